/**
 * An expected refusal that cannot be a userError because it ends a request or a stream rather
 * than answering it (a key still in use, a subscriber too far behind). It carries the code and the
 * message the client sees; the GraphQL layer answers it as such instead of as a fault.
 */
export class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}
