import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, gql, idempotencyKey } from '../api';
import { type Outcome, OutcomeNote } from '../components/outcome';
import { MessageBadge, PaymentBadge, RefundBadge } from '../components/status';
import { useApp } from '../context';
import { dateTime, label, money, paise } from '../format';
import { MONEY, REFUND_PAYMENT } from '../queries';
import { can } from '../roles';
import type { OrderDetail, OrderEvent, UserError } from '../types';

// The sections of an order's page, in order. Each names the fields it reads, so a new section is
// one more entry here.

export interface OrderSection {
  id: string;
  title: string;
  fields: string;
  /** `reload` reads the order again (after an action); `businessId` is the ADMIN's business, when named */
  Component(props: { order: OrderDetail; businessId?: string; reload(): void }): JSX.Element;
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

const REFUNDS: OrderSection = {
  id: 'refunds',
  title: 'Refunds',
  fields: `payment { refundedAmount { ${MONEY} } refundableAmount { ${MONEY} }
    refunds { id refundId status amount { ${MONEY} } speedRequested speedProcessed requestedByGateway reason errorCode errorMessage createdAt updatedAt } }`,
  Component: ({ order, businessId, reload }) => {
    const { session } = useApp();
    const p = order.payment;
    return (
      <>
        <dl class="facts">
          <dt>Refunded</dt>
          <dd data-testid="refunded-amount">{money(p.refundedAmount)}</dd>
          <dt>Left to refund</dt>
          <dd data-testid="refundable-amount">{money(p.refundableAmount)}</dd>
        </dl>
        {p.refunds.length === 0 ? (
          <p class="empty">No refund yet.</p>
        ) : (
          <div class="table-wrap" role="region" aria-label="Refunds" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col" class="num">
                    Amount
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">WhatsApp refund id</th>
                  <th scope="col">Speed</th>
                  <th scope="col">Made through</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Error</th>
                  <th scope="col">Requested</th>
                  <th scope="col">Changed</th>
                </tr>
              </thead>
              <tbody>
                {p.refunds.map((r) => (
                  <tr key={r.id} data-refund-status={r.status}>
                    <td class="num">{money(r.amount)}</td>
                    <td>
                      <RefundBadge status={r.status} />
                    </td>
                    <td class="mono">{r.refundId ?? '–'}</td>
                    <td>{r.speedProcessed && r.speedProcessed !== r.speedRequested ? `${label(r.speedRequested)}, made ${label(r.speedProcessed).toLowerCase()}` : label(r.speedRequested)}</td>
                    <td>{r.requestedByGateway ? 'this gateway' : "the payment gateway's dashboard"}</td>
                    <td class="item-name">{r.reason ?? '–'}</td>
                    <td>{r.errorCode || r.errorMessage ? `${r.errorCode ? `${r.errorCode}: ` : ''}${r.errorMessage ?? ''}` : '–'}</td>
                    <td>{dateTime(r.createdAt)}</td>
                    <td>{dateTime(r.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {can.refund(session.viewer.role) && p.status === 'CAPTURED' && <RefundAction order={order} businessId={businessId} onDone={reload} />}
      </>
    );
  },
};

/** refundPayment: the whole amount left, or a part; asked to confirm first, as a refund cannot be undone. */
function RefundAction({ order, businessId, onDone }: { order: OrderDetail; businessId?: string; onDone(): void }) {
  const { session } = useApp();
  const left = order.payment.refundableAmount;
  const [amount, setAmount] = useState('');
  const [speed, setSpeed] = useState<'NORMAL' | 'INSTANT'>('NORMAL');
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  if (left.value === 0) {
    return (
      <>
        <p class="note">Nothing is left to refund.</p>
        <OutcomeNote outcome={outcome} />
      </>
    );
  }

  const ask = (e: Event) => {
    e.preventDefault();
    setOutcome(null);
    const value = amount.trim() === '' ? left.value : paise(amount);
    if (value === null) {
      setOutcome({ kind: 'failed', text: 'Enter the amount in rupees with at most two decimals (e.g. 200 or 199.50), or leave it empty to refund everything left.' });
      return;
    }
    setConfirming(value);
  };
  const refund = async () => {
    const value = confirming!;
    setConfirming(null);
    setBusy(true);
    try {
      const input = {
        referenceId: order.referenceId,
        businessId: businessId ?? null,
        amount: { value, offset: left.offset },
        speed,
        reason: reason.trim() || null,
        idempotencyKey: idempotencyKey(),
      };
      const result = (
        await gql<{ refundPayment: { refund: { status: string; amount: { currency: string; formatted: string } } | null; userErrors: UserError[] } }>(
          session.key,
          REFUND_PAYMENT,
          { input },
        )
      ).refundPayment;
      if (result.userErrors.length) setOutcome({ kind: 'refused', errors: result.userErrors });
      else {
        const r = result.refund!;
        setOutcome({ kind: 'done', text: `Refund of ${r.amount.currency} ${r.amount.formatted} ${r.status === 'REQUESTED' ? 'stored; WhatsApp is asked again shortly' : `is ${label(r.status).toLowerCase()}`}.` });
        setAmount('');
        setReason('');
      }
      onDone();
    } catch (err) {
      setOutcome({ kind: 'failed', text: err instanceof ApiError ? `Not done: ${err.message}` : String(err) });
    } finally {
      setBusy(false);
    }
  };
  const shown = (value: number) => money({ ...left, value, formatted: formatPaise(value) });

  return (
    <>
      <form class="refund-form" onSubmit={ask} aria-label="Refund">
        <div class="field">
          <label for="refund-amount">Amount ({left.currency})</label>
          <input id="refund-amount" inputMode="decimal" placeholder={left.formatted} value={amount} onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="refund-speed">Speed</label>
          <select id="refund-speed" value={speed} onChange={(e) => setSpeed((e.target as HTMLSelectElement).value as 'NORMAL' | 'INSTANT')}>
            <option value="NORMAL">Normal</option>
            <option value="INSTANT">Instant</option>
          </select>
        </div>
        <div class="field grow">
          <label for="refund-reason">Reason (kept here, not sent to the customer)</label>
          <input id="refund-reason" maxLength={255} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" disabled={busy || confirming !== null}>
          {busy ? 'Refunding…' : 'Refund'}
        </button>
      </form>
      {confirming !== null && (
        <p class="confirm" role="group" aria-label="Confirm refund">
          <span>Refund {shown(confirming)} to the customer? A refund cannot be undone.</span>
          <button type="button" class="danger" onClick={() => void refund()}>
            Yes, refund {shown(confirming)}
          </button>
          <button type="button" onClick={() => setConfirming(null)}>
            Keep the money
          </button>
        </p>
      )}
      <OutcomeNote outcome={outcome} />
    </>
  );
}

/** Paise as rupees with two decimals, e.g. 19950 → "199.50". */
function formatPaise(value: number): string {
  const digits = String(value).padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

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

export const ORDER_SECTIONS: OrderSection[] = [ITEMS, PAYMENT, REFUNDS, MESSAGES, HISTORY];
