import { InvalidQueryArgument } from '../services/order-queries';
import { badUserInput } from './errors';

/** Queries have no userErrors: an argument the caller must fix becomes BAD_USER_INPUT naming it. */
export async function withQueryArguments<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof InvalidQueryArgument) throw badUserInput(err.message, err.argument);
    throw err;
  }
}
