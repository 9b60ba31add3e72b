// GraphQL documents. Each order section (pages/order-sections.tsx) brings its own fragment, so a
// new section (refunds) adds its fields without touching the others.

export const MONEY = 'value offset currency formatted';

export const VIEWER = `query Viewer { viewer { role lastEventId business { id name } } }`;

export const ORDER_ROW = `id referenceId to createdAt status business { id name } total { ${MONEY} }
  payment { status verified } messages { kind status }`;

export const ORDERS = `query Orders($first: Int!, $after: String, $filter: OrderFilter) {
  orders(first: $first, after: $after, filter: $filter, newestFirst: true) {
    edges { cursor node { ${ORDER_ROW} } }
    pageInfo { hasNextPage endCursor }
  } }`;

export const ORDER_EVENTS = `subscription OrderEvents($after: ID, $ref: String) {
  orderEvents(afterEventId: $after, referenceId: $ref) { id referenceId type source fromStatus toStatus detail at } }`;

export const USER_ERRORS = 'userErrors { code field message whatsappCode }';

export const UPDATE_STATUS = `mutation UpdateStatus($input: UpdateOrderStatusInput!) {
  updateOrderStatus(input: $input) { order { status } ${USER_ERRORS} } }`;

export const CANCEL_ORDER = `mutation CancelOrder($input: CancelOrderInput!) {
  cancelOrder(input: $input) { order { status } ${USER_ERRORS} } }`;

export const VERIFY_PAYMENT = `mutation VerifyPayment($ref: String!, $businessId: ID) {
  verifyPayment(referenceId: $ref, businessId: $businessId) { payment { status verified } ${USER_ERRORS} } }`;

export const REFUND_PAYMENT = `mutation RefundPayment($input: RefundPaymentInput!) {
  refundPayment(input: $input) { refund { status amount { ${MONEY} } } ${USER_ERRORS} } }`;

export const QUEUE_ROW = `${ORDER_ROW}
  payment { status verified updatedAt }
  messages { kind status errorCode errorMessage attempts createdAt }
  events { id type detail at }`;

export const RECONCILIATION = `query Reconciliation($filter: ReconciliationFilter!, $after: String) {
  reconciliation(filter: $filter, first: 100, after: $after) {
    edges { node { referenceId paymentConfiguration gateway transactionId pgTransactionId
      orderTotal { ${MONEY} } paidAmount { ${MONEY} } paymentStatus transactionStatus verified capturedAt } }
    pageInfo { hasNextPage endCursor }
  } }`;
