// Migrations in the order they run; listed by import (not a glob) so they work from ts and js alike.
import { Initial1764100000000 } from './1764100000000-Initial';

export const SQLITE_MIGRATIONS: Function[] = [Initial1764100000000];
