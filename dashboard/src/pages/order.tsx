import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, gql, idempotencyKey } from '../api';
import { PageHeading } from '../components/heading';
import { MessageBadge, OrderStatusBadge, PaymentBadge, rowMessage } from '../components/status';
import { useApp, useCoalesced, useLiveEvents } from '../context';
import { OutcomeNote, type Outcome } from '../components/outcome';
import { dateTime, label, money } from '../format';
import { LiveFeed, type LiveState } from '../live';
import { CANCEL_ORDER, ORDER_ROW, UPDATE_STATUS, VERIFY_PAYMENT } from '../queries';
import { can } from '../roles';
import type { OrderDetail, OrderStatus, UserError } from '../types';
import { ORDER_SECTIONS } from './order-sections';

const ORDER = `query Order($ref: String!, $businessId: ID) { order(referenceId: $ref, businessId: $businessId) {
  ${ORDER_ROW} type statusDescription updatedAt expiresAt paymentConfiguration gateway phoneNumberId allowedTransitions
  ${ORDER_SECTIONS.map((s) => s.fields).join('\n')}
} }`;

export function OrderPage({ referenceId, businessId }: { referenceId: string; businessId?: string }) {
  const { session, feed } = useApp();
  const [order, setOrder] = useState<OrderDetail | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [ownLive, setOwnLive] = useState<LiveState | null>(null);

  const load = async () => {
    try {
      const data = await gql<{ order: OrderDetail | null }>(session.key, ORDER, { ref: referenceId, businessId: businessId ?? null });
      setOrder(data.order);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const reload = useCoalesced(load, 80);
  useEffect(() => void load(), [referenceId, businessId]);
  useLiveEvents(feed, (e) => e.referenceId === referenceId && reload());

  // a key without the business-wide feed (MOBILE) follows this one order, from its newest event on
  const followFrom = order ? (order.events[order.events.length - 1]?.id ?? null) : undefined;
  const started = followFrom !== undefined;
  useEffect(() => {
    if (feed || !started) return;
    const own = new LiveFeed({
      key: session.key,
      afterEventId: followFrom,
      referenceId,
      onState: (state) => setOwnLive(state),
      onKeyRefused: () => void load(),
    });
    own.listen(() => reload());
    own.start();
    return () => own.stop();
  }, [feed, started, referenceId]);

  if (order === undefined && !error) return <p role="status">Loading order {referenceId}…</p>;
  if (order === null || order === undefined) {
    return (
      <section>
        <PageHeading>Order {referenceId}</PageHeading>
        <p class={error ? 'error' : 'empty'} role={error ? 'alert' : undefined}>
          {error ?? `No order with reference id ${referenceId} is visible to this key.`}
        </p>
        <p>
          <a href="#/orders">Back to orders</a>
        </p>
      </section>
    );
  }
  const message = rowMessage(order.messages);
  return (
    <article class="order" aria-labelledby="order-title">
      <p class="crumbs">
        <a href="#/orders">Orders</a> /
      </p>
      <PageHeading id="order-title">Order {order.referenceId}</PageHeading>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <dl class="facts summary">
        <dt>Status</dt>
        <dd>
          <OrderStatusBadge status={order.status} />
          {order.statusDescription && <span class="description"> {order.statusDescription}</span>}
        </dd>
        <dt>Payment</dt>
        <dd>
          <PaymentBadge status={order.payment.status} verified={order.payment.verified} />
        </dd>
        <dt>Message</dt>
        <dd>{message ? <MessageBadge status={message.status} kind={message.kind} /> : '–'}</dd>
        <dt>Total</dt>
        <dd>{money(order.total)}</dd>
        <dt>Customer</dt>
        <dd>{order.to}</dd>
        <dt>Business</dt>
        <dd>{order.business.name}</dd>
        <dt>Payment configuration</dt>
        <dd>
          {order.paymentConfiguration} ({label(order.gateway)})
        </dd>
        <dt>Created</dt>
        <dd>{dateTime(order.createdAt)}</dd>
        {order.expiresAt && (
          <>
            <dt>Expires</dt>
            <dd>{dateTime(order.expiresAt)}</dd>
          </>
        )}
        {!feed && (
          <>
            <dt>Live</dt>
            <dd data-testid="order-live">{ownLive === 'live' ? 'Live' : ownLive === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}</dd>
          </>
        )}
      </dl>
      {can.act(session.viewer.role) && <Actions order={order} businessId={businessId} onDone={load} />}
      {ORDER_SECTIONS.map(({ id, title, Component }) => (
        <section key={id} class={`section section-${id}`} aria-labelledby={`section-${id}`}>
          <h2 id={`section-${id}`}>{title}</h2>
          <Component order={order} businessId={businessId} reload={load} />
        </section>
      ))}
    </article>
  );
}

/** Move to an allowed status, cancel, verify the payment: what the key's role may do. */
function Actions({ order, businessId, onDone }: { order: OrderDetail; businessId?: string; onDone(): void }) {
  const { session } = useApp();
  const moves = useMemo(() => order.allowedTransitions.filter((s) => s !== 'CANCELED' && s !== order.status), [order.allowedTransitions, order.status]);
  const canCancel = order.allowedTransitions.includes('CANCELED');
  const [target, setTarget] = useState<OrderStatus | ''>('');
  const [description, setDescription] = useState('');
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => {
    if (target && !moves.includes(target)) setTarget('');
  }, [moves]);

  async function run(name: string, act: () => Promise<{ userErrors: UserError[] }>, done: string) {
    setBusy(name);
    setOutcome(null);
    try {
      const result = await act();
      setOutcome(result.userErrors.length ? { kind: 'refused', errors: result.userErrors } : { kind: 'done', text: done });
      onDone();
    } catch (err) {
      setOutcome({ kind: 'failed', text: err instanceof ApiError ? `Not done: ${err.message}` : String(err) });
    } finally {
      setBusy(null);
    }
  }

  const move = (e: Event) => {
    e.preventDefault();
    if (!target) return;
    const input = { referenceId: order.referenceId, status: target, description: description.trim() || null, idempotencyKey: idempotencyKey() };
    void run(
      'move',
      async () => (await gql<{ updateOrderStatus: { userErrors: UserError[] } }>(session.key, UPDATE_STATUS, { input })).updateOrderStatus,
      `Status changed to ${label(target)}; the customer is told on WhatsApp.`,
    ).then(() => setDescription(''));
  };
  const cancel = () => {
    setConfirmCancel(false);
    const input = { referenceId: order.referenceId, idempotencyKey: idempotencyKey() };
    void run(
      'cancel',
      async () => (await gql<{ cancelOrder: { userErrors: UserError[] } }>(session.key, CANCEL_ORDER, { input })).cancelOrder,
      'Order canceled; the customer is told on WhatsApp.',
    );
  };
  const verify = () =>
    void run(
      'verify',
      async () =>
        (await gql<{ verifyPayment: { userErrors: UserError[] } }>(session.key, VERIFY_PAYMENT, { ref: order.referenceId, businessId: businessId ?? null }))
          .verifyPayment,
      'Payment looked up through WhatsApp just now.',
    );

  return (
    <section class="actions" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      {moves.length > 0 ? (
        <form class="move" onSubmit={move}>
          <div class="field">
            <label for="move-to">New status</label>
            <select id="move-to" value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value as OrderStatus)}>
              <option value="">Choose…</option>
              {moves.map((s) => (
                <option value={s}>{label(s)}</option>
              ))}
            </select>
          </div>
          <div class="field grow">
            <label for="move-description">Note to the customer (optional)</label>
            <input id="move-description" maxLength={120} value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
          </div>
          <button type="submit" disabled={!target || busy !== null}>
            {busy === 'move' ? 'Updating…' : 'Update status'}
          </button>
        </form>
      ) : (
        <p class="note">No status change is possible now{order.status === 'COMPLETED' || order.status === 'CANCELED' ? `: ${label(order.status)} is final` : ''}.</p>
      )}
      <div class="buttons">
        {canCancel &&
          (confirmCancel ? (
            <span class="confirm" role="group" aria-label="Confirm cancel">
              <span>Cancel order {order.referenceId}? The customer is told.</span>
              <button type="button" class="danger" onClick={cancel} disabled={busy !== null}>
                Yes, cancel the order
              </button>
              <button type="button" onClick={() => setConfirmCancel(false)}>
                Keep it
              </button>
            </span>
          ) : (
            <button type="button" class="danger" onClick={() => setConfirmCancel(true)} disabled={busy !== null}>
              {busy === 'cancel' ? 'Canceling…' : 'Cancel order'}
            </button>
          ))}
        <button type="button" onClick={verify} disabled={busy !== null}>
          {busy === 'verify' ? 'Looking up…' : 'Verify payment now'}
        </button>
      </div>
      <OutcomeNote outcome={outcome} />
    </section>
  );
}
