import type { Role } from './types';

// What each role may do, as the API enforces it (README "Roles"); the dashboard only offers what
// the key can do, and the API still decides.
export const can = {
  /** updateOrderStatus, cancelOrder, verifyPayment */
  act: (role: Role) => role === 'ADMIN' || role === 'OPS' || role === 'STOREFRONT',
  /** refundPayment (MOBILE keys may not) */
  refund: (role: Role) => role === 'ADMIN' || role === 'OPS' || role === 'STOREFRONT',
  /** reconciliation and its CSV */
  reconcile: (role: Role) => role === 'ADMIN' || role === 'OPS',
  /** orderEvents for the whole business (a MOBILE key follows one order at a time) */
  watchAll: (role: Role) => role !== 'MOBILE',
  /** orders of every business (shows the business column) */
  seeAllBusinesses: (role: Role) => role === 'ADMIN',
  /** business webhook endpoints and their deliveries (OPS for its business, ADMIN for any) */
  manageWebhooks: (role: Role) => role === 'ADMIN' || role === 'OPS',
};
