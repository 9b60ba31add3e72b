// Migrations in the order they run; listed by import (not a glob) so they work from ts and js alike.
import { Initial1764100000000 } from './1764100000000-Initial';
import { PaymentHint1764200000000 } from './1764200000000-PaymentHint';
import { OrderReferenceIndex1764300000000 } from './1764300000000-OrderReferenceIndex';
import { Outbox1764400000000 } from './1764400000000-Outbox';
import { BusinessWabaUnique1764450000000 } from './1764450000000-BusinessWabaUnique';
import { SandboxSecrets1764610000000 } from './1764610000000-SandboxSecrets';
import { PaymentAttempts1764630000000 } from './1764630000000-PaymentAttempts';
import { OrderDetailsFields1764631000000 } from './1764631000000-OrderDetailsFields';
import { OrderExpiry1764632000000 } from './1764632000000-OrderExpiry';
import { BusinessWebhooks1764640000000 } from './1764640000000-BusinessWebhooks';
import { Refunds1764650000000 } from './1764650000000-Refunds';

export const SQLITE_MIGRATIONS: Function[] = [
  Initial1764100000000,
  PaymentHint1764200000000,
  OrderReferenceIndex1764300000000,
  Outbox1764400000000,
  BusinessWabaUnique1764450000000,
  SandboxSecrets1764610000000,
  PaymentAttempts1764630000000,
  OrderDetailsFields1764631000000,
  OrderExpiry1764632000000,
  BusinessWebhooks1764640000000,
  Refunds1764650000000,
];
