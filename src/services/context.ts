import type { ApiKeyRole } from '../domain/types';

/** Who is calling: resolved once per request from the API key. */
export interface Principal {
  /** the API key's id ('admin' for the ADMIN_API_KEY from the environment) */
  keyId: string;
  role: ApiKeyRole;
  /** null for ADMIN keys, which act across businesses */
  businessId: string | null;
}

/** What every service call receives first. */
export interface ServiceContext {
  principal: Principal;
  /** the Idempotency-Key header, when the request carried one */
  idempotencyKey?: string | null;
  requestId: string;
  /** what the read touched, when a copy of its answer is to be kept (src/services/answer-cache.ts) */
  reads?: OrderReads;
}

/** The orders a read's answer holds, and whether it lists a business's orders (or found none). */
export interface OrderReads {
  orders: Set<string>;
  /** any change to any order of the business may change the answer: a page, or an order not found */
  list: boolean;
}

/** The business a non-ADMIN caller is confined to; ADMIN may name one (or gets null: all). */
export function scopedBusinessId(ctx: ServiceContext, requested?: string | null): string | null {
  return ctx.principal.role === 'ADMIN' ? (requested ?? null) : ctx.principal.businessId;
}

export function canSeeBusiness(ctx: ServiceContext, businessId: string): boolean {
  return ctx.principal.role === 'ADMIN' || ctx.principal.businessId === businessId;
}
