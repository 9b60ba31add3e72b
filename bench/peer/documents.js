'use strict';
// The reads of the PostGraphile comparison (npm run bench -- --peer), in one place: the gateway's
// documents and the equivalent PostGraphile documents over the same tables. An order comes with
// every relation the contract gives it (business, items, beneficiaries, payment with its
// transactions and refunds, the order_details message, every message, the events).

/** The gateway's order, every relation. */
const ORDER_FIELDS = `
  id referenceId status statusDescription type to phoneNumberId paymentConfiguration gateway expiresAt createdAt updatedAt
  subtotal { value offset currency } tax { value offset currency } shipping { value offset currency }
  discount { value offset currency } total { value offset currency }
  business { id name }
  items { retailerId name quantity amount { value offset } saleAmount { value offset } total { value offset } }
  beneficiaries { name addressLine1 addressLine2 city state country postalCode }
  payment {
    referenceId status verified verifiedAt updatedAt amount { value offset currency }
    transactions { id pgTransactionId gateway status method errorCode errorReason createdAt updatedAt amount { value offset currency } }
    refunds { id refundId status speedRequested speedProcessed reason errorCode createdAt updatedAt amount { value offset currency } }
  }
  message { id kind status wamid attempts errorCode errorMessage createdAt updatedAt }
  messages { id kind status wamid attempts errorCode errorMessage createdAt updatedAt }
  events { id type source fromStatus toStatus detail at }`;

const GATEWAY = {
  page: `query PeerPage($first: Int!, $after: String) {
  orders(first: $first, after: $after) {
    edges { cursor node { ${ORDER_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  order: `query PeerOrder($referenceId: String!) {
  order(referenceId: $referenceId) { ${ORDER_FIELDS} }
}`,
  typename: '{ __typename }',
};

/**
 * The same order in PostGraphile's schema (default inflection; relations through the foreign keys
 * declared in postgraphile.tags.json5, since the gateway's tables carry none), ordered as the
 * gateway orders each list. PostGraphile has no money type, global ids of the gateway's kind or
 * computed totals: it returns the columns, and the comparison maps both to one shape.
 */
const PEER_ORDER_FIELDS = `
  id referenceId status statusDescription type to phoneNumberId paymentConfiguration gateway expiresAt createdAt updatedAt
  currency offset subtotal tax shipping discount total beneficiaries
  businessByBusinessId { id name }
  orderItemsByOrderIdList(orderBy: POSITION_ASC) { retailerId name quantity amount saleAmount }
  paymentByOrderId {
    referenceId status verified verifiedAt updatedAt amount amountOffset currency
    transactionsByPaymentIdList(orderBy: POSITION_ASC) {
      transactionId pgTransactionId gateway status method errorCode errorReason upstreamCreatedAt upstreamUpdatedAt amount amountOffset currency
    }
    refundsByPaymentIdList(orderBy: [CREATED_AT_ASC, ID_ASC]) {
      id refundId status speedRequested speedProcessed reason errorCode createdAt updatedAt amount offset currency
    }
  }
  outboundMessagesByOrderIdList(orderBy: [CREATED_AT_ASC, ID_ASC]) { id kind status wamid attempts errorCode errorMessage createdAt updatedAt }
  orderEventsByOrderIdList(orderBy: ID_ASC) { id type source fromStatus toStatus detail at }`;

const PEER = {
  page: `query PeerPage($businessId: String!, $first: Int!, $after: Cursor) {
  allOrders(condition: { businessId: $businessId }, orderBy: [CREATED_AT_ASC, ID_ASC], first: $first, after: $after) {
    edges { cursor node { ${PEER_ORDER_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  order: `query PeerOrder($businessId: String!, $referenceId: String!) {
  orderByBusinessIdAndReferenceId(businessId: $businessId, referenceId: $referenceId) { ${PEER_ORDER_FIELDS} }
}`,
  typename: '{ __typename }',
  /** PostGraphile's own cursor of the order at a depth (its cursors are not the gateway's) */
  cursorAt: `query PeerCursor($businessId: String!, $offset: Int!) {
  allOrders(condition: { businessId: $businessId }, orderBy: [CREATED_AT_ASC, ID_ASC], first: 1, offset: $offset) { edges { cursor node { id } } }
}`,
};

module.exports = { GATEWAY, PEER };
