import { label } from '../format';
import type { MessageStatus, OrderStatus, PaymentStatus, RefundStatus } from '../types';

// Status badges: the words are always there (colour only repeats them).

export function OrderStatusBadge({ status }: { status: OrderStatus }) {
  return <span class={`badge order-${status.toLowerCase()}`}>{label(status)}</span>;
}

export function PaymentBadge({ status, verified }: { status: PaymentStatus; verified: boolean }) {
  return (
    <span class={`badge payment-${status.toLowerCase()}`}>
      {label(status)}
      {verified ? (
        <span class="verified" title="confirmed through WhatsApp's payment lookup">
          {' '}
          ✓<span class="visually-hidden"> verified</span>
        </span>
      ) : (
        <span class="unverified" title="not confirmed through WhatsApp's payment lookup">
          <span class="visually-hidden"> (not verified)</span>
        </span>
      )}
    </span>
  );
}

export function MessageBadge({ status, kind }: { status: MessageStatus; kind?: string }) {
  return (
    <span class={`badge message-${status.toLowerCase()}`} title={kind ? label(kind) : undefined}>
      {label(status)}
    </span>
  );
}

export function RefundBadge({ status }: { status: RefundStatus }) {
  return <span class={`badge refund-${status.toLowerCase()}`}>{label(status)}</span>;
}

/** The delivery state a row shows: a failed message first, else the newest message. */
export function rowMessage<T extends { status: MessageStatus }>(messages: T[]): T | null {
  return messages.find((m) => m.status === 'FAILED') ?? messages[messages.length - 1] ?? null;
}
