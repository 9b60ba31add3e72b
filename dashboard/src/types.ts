// The shapes the dashboard reads from the GraphQL API (see schema.graphql).

export type Role = 'ADMIN' | 'OPS' | 'STOREFRONT' | 'MOBILE';
export type OrderStatus = 'PENDING' | 'PROCESSING' | 'PARTIALLY_SHIPPED' | 'SHIPPED' | 'COMPLETED' | 'CANCELED';
export type PaymentStatus = 'NEW' | 'PENDING' | 'CAPTURED' | 'FAILED' | 'CANCELED';
export type MessageStatus = 'QUEUED' | 'ACCEPTED' | 'SENT' | 'DELIVERED' | 'READ' | 'FAILED';

export const ORDER_STATUSES: OrderStatus[] = ['PENDING', 'PROCESSING', 'PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED', 'CANCELED'];
export const PAYMENT_STATUSES: PaymentStatus[] = ['NEW', 'PENDING', 'CAPTURED', 'FAILED', 'CANCELED'];

export interface Money {
  value: number;
  offset: number;
  currency: string;
  formatted: string;
}

export interface Business {
  id: string;
  name: string;
}

export interface Viewer {
  role: Role;
  business: Business | null;
  lastEventId: string | null;
}

export interface Message {
  id: string;
  kind: 'ORDER_DETAILS' | 'ORDER_STATUS';
  status: MessageStatus;
  wamid: string | null;
  attempts: number;
  errorCode: number | null;
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Transaction {
  id: string;
  pgTransactionId: string | null;
  gateway: string | null;
  status: 'PENDING' | 'SUCCESS' | 'FAILED';
  method: string | null;
  amount: Money | null;
  errorCode: string | null;
  errorReason: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export type RefundStatus = 'REQUESTED' | 'PENDING' | 'SUCCEEDED' | 'FAILED';

export interface Refund {
  id: string;
  refundId: string | null;
  amount: Money;
  status: RefundStatus;
  speedRequested: 'NORMAL' | 'INSTANT';
  speedProcessed: 'NORMAL' | 'INSTANT' | null;
  requestedByGateway: boolean;
  reason: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface OrderEvent {
  id: string;
  referenceId: string;
  type: string;
  source: string;
  fromStatus: string | null;
  toStatus: string | null;
  detail: string | null;
  at: string;
}

/** An order as a table row shows it. */
export interface OrderRow {
  id: string;
  referenceId: string;
  to: string;
  createdAt: string;
  status: OrderStatus;
  business: Business;
  total: Money;
  payment: { status: PaymentStatus; verified: boolean };
  messages: Array<Pick<Message, 'kind' | 'status'>>;
}

export interface OrderItem {
  retailerId: string;
  name: string;
  quantity: number;
  amount: Money;
  saleAmount: Money | null;
  total: Money;
}

/** An order as its own page shows it. */
export interface OrderDetail extends OrderRow {
  type: string;
  statusDescription: string | null;
  updatedAt: string;
  expiresAt: string | null;
  paymentConfiguration: string;
  gateway: string;
  phoneNumberId: string;
  allowedTransitions: OrderStatus[];
  items: OrderItem[];
  subtotal: Money;
  tax: Money | null;
  shipping: Money | null;
  discount: Money | null;
  payment: OrderRow['payment'] & {
    verifiedAt: string | null;
    updatedAt: string;
    amount: Money | null;
    transactions: Transaction[];
    refunds: Refund[];
    refundedAmount: Money;
    refundableAmount: Money;
  };
  messages: Message[];
  events: OrderEvent[];
}

export interface UserError {
  code: string;
  field: string[] | null;
  message: string;
  whatsappCode: number | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: PageInfo;
}
