import type { JSX } from 'preact';
import { MessageBadge, PaymentBadge } from '../components/status';
import { dateTime, label, money } from '../format';
import { MONEY } from '../queries';
import type { OrderDetail, OrderEvent } from '../types';

// The sections of an order's page, in order. Each names the fields it reads, so a new section
// (refunds, once the API has them: payment { refunds { ... } }) is one more entry here.

export interface OrderSection {
  id: string;
  title: string;
  fields: string;
  Component(props: { order: OrderDetail }): JSX.Element;
}

const ITEMS: OrderSection = {
  id: 'items',
  title: 'Items and totals',
  fields: `items { retailerId name quantity amount { ${MONEY} } saleAmount { ${MONEY} } total { ${MONEY} } }
    subtotal { ${MONEY} } tax { ${MONEY} } shipping { ${MONEY} } discount { ${MONEY} } total { ${MONEY} }`,
  Component: ({ order }) => (
    <>
      <div class="table-wrap" role="region" aria-label="Items" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col">Retailer id</th>
              <th scope="col" class="num">
                Quantity
              </th>
              <th scope="col" class="num">
                Unit price
              </th>
              <th scope="col" class="num">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {order.items.map((item, i) => (
              <tr key={i}>
                <td class="item-name">{item.name}</td>
                <td>{item.retailerId}</td>
                <td class="num">{item.quantity}</td>
                <td class="num">
                  {item.saleAmount ? (
                    <>
                      <del>{money(item.amount)}</del> {money(item.saleAmount)}
                    </>
                  ) : (
                    money(item.amount)
                  )}
                </td>
                <td class="num">{money(item.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl class="totals">
        <dt>Subtotal</dt>
        <dd>{money(order.subtotal)}</dd>
        {order.tax && (
          <>
            <dt>Tax</dt>
            <dd>{money(order.tax)}</dd>
          </>
        )}
        {order.shipping && (
          <>
            <dt>Shipping</dt>
            <dd>{money(order.shipping)}</dd>
          </>
        )}
        {order.discount && (
          <>
            <dt>Discount</dt>
            <dd>−{money(order.discount)}</dd>
          </>
        )}
        <dt class="grand">Total</dt>
        <dd class="grand">{money(order.total)}</dd>
      </dl>
    </>
  ),
};

const PAYMENT: OrderSection = {
  id: 'payment',
  title: 'Payment',
  fields: `payment { status verified verifiedAt updatedAt amount { ${MONEY} }
    transactions { id pgTransactionId gateway status method amount { ${MONEY} } errorCode errorReason createdAt updatedAt } }`,
  Component: ({ order }) => {
    const p = order.payment;
    return (
      <>
        <dl class="facts">
          <dt>Status</dt>
          <dd>
            <PaymentBadge status={p.status} verified={p.verified} />
          </dd>
          <dt>Verified</dt>
          <dd>{p.verified ? `yes, through the payment lookup, ${dateTime(p.verifiedAt)}` : 'no: not confirmed through the payment lookup'}</dd>
          <dt>Paid amount</dt>
          <dd>{money(p.amount)}</dd>
          <dt>Changed</dt>
          <dd>{dateTime(p.updatedAt)}</dd>
        </dl>
        <h3>Transactions</h3>
        {p.transactions.length === 0 ? (
          <p class="empty">No payment attempt yet.</p>
        ) : (
          <div class="table-wrap" role="region" aria-label="Transactions" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Transaction id</th>
                  <th scope="col">Gateway transaction id</th>
                  <th scope="col">Gateway</th>
                  <th scope="col">Method</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">
                    Amount
                  </th>
                  <th scope="col">Error</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {p.transactions.map((t) => (
                  <tr key={t.id}>
                    <td>{t.id}</td>
                    <td>{t.pgTransactionId ?? '–'}</td>
                    <td>{label(t.gateway)}</td>
                    <td>{t.method ?? '–'}</td>
                    <td>{label(t.status)}</td>
                    <td class="num">{money(t.amount)}</td>
                    <td>{t.errorCode ? `${t.errorCode}: ${t.errorReason ?? ''}` : '–'}</td>
                    <td>{dateTime(t.updatedAt ?? t.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </>
    );
  },
};

const MESSAGES: OrderSection = {
  id: 'messages',
  title: 'Messages to the customer',
  fields: 'messages { id kind status wamid attempts errorCode errorMessage createdAt updatedAt }',
  Component: ({ order }) => (
    <div class="table-wrap" role="region" aria-label="Messages" tabIndex={0}>
      <table>
        <thead>
          <tr>
            <th scope="col">Message</th>
            <th scope="col">Delivery</th>
            <th scope="col">WhatsApp message id</th>
            <th scope="col" class="num">
              Attempts
            </th>
            <th scope="col">Error</th>
            <th scope="col">Stored</th>
            <th scope="col">Changed</th>
          </tr>
        </thead>
        <tbody>
          {order.messages.map((m) => (
            <tr key={m.id}>
              <td>{label(m.kind)}</td>
              <td>
                <MessageBadge status={m.status} />
              </td>
              <td class="mono">{m.wamid ?? '–'}</td>
              <td class="num">{m.attempts}</td>
              <td>{m.errorCode ? `${m.errorCode}: ${m.errorMessage ?? ''}` : '–'}</td>
              <td>{dateTime(m.createdAt)}</td>
              <td>{dateTime(m.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  ),
};

const SOURCE: Record<string, string> = {
  API: 'from the API',
  WEBHOOK: 'from a WhatsApp webhook',
  LOOKUP: "from WhatsApp's payment lookup",
  SYSTEM: 'from the gateway',
};

function Transition({ e }: { e: OrderEvent }) {
  if (!e.fromStatus && !e.toStatus) return null;
  return (
    <span class="transition">
      {label(e.fromStatus)} → {label(e.toStatus)}
    </span>
  );
}

const HISTORY: OrderSection = {
  id: 'history',
  title: 'History',
  fields: 'events { id referenceId type source fromStatus toStatus detail at }',
  Component: ({ order }) => (
    <ol class="timeline" aria-label="Events, oldest first">
      {order.events.map((e) => (
        <li key={e.id} class={`event event-${e.type.toLowerCase()}`}>
          <time dateTime={e.at}>{dateTime(e.at)}</time>
          <span class="event-type">{label(e.type)}</span>
          <Transition e={e} />
          <span class="source">{SOURCE[e.source] ?? `from ${label(e.source)}`}</span>
          {e.detail && <span class="detail">{e.detail}</span>}
        </li>
      ))}
    </ol>
  ),
};

export const ORDER_SECTIONS: OrderSection[] = [ITEMS, PAYMENT, MESSAGES, HISTORY];
