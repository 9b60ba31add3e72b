// Migrations in the order they run; listed by import (not a glob) so they work from ts and js alike.
import { Initial1764100000000 } from './1764100000000-Initial';
import { PaymentHint1764200000000 } from './1764200000000-PaymentHint';
import { OrderReferenceIndex1764300000000 } from './1764300000000-OrderReferenceIndex';
import { SandboxSecrets1764610000000 } from './1764610000000-SandboxSecrets';

export const POSTGRES_MIGRATIONS: Function[] = [Initial1764100000000, PaymentHint1764200000000, OrderReferenceIndex1764300000000, SandboxSecrets1764610000000];
