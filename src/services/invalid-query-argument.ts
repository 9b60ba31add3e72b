/** A request the caller must fix (bad cursor, page size): a top-level error naming the argument. */
export class InvalidQueryArgument extends Error {
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
  }
}
