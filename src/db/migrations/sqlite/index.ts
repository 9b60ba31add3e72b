// Migrations in the order they run; listed by import (not a glob) so they work from ts and js alike.
import { Initial1764100000000 } from './1764100000000-Initial';
import { PaymentHint1764200000000 } from './1764200000000-PaymentHint';
import { OrderReferenceIndex1764300000000 } from './1764300000000-OrderReferenceIndex';
import { Outbox1764400000000 } from './1764400000000-Outbox';
import { BusinessWebhooks1764640000000 } from './1764640000000-BusinessWebhooks';

export const SQLITE_MIGRATIONS: Function[] = [Initial1764100000000, PaymentHint1764200000000, OrderReferenceIndex1764300000000, Outbox1764400000000, BusinessWebhooks1764640000000];
