// When the dashboard reads an open webhook endpoint's deliveries again (there is no subscription
// for deliveries): soon after the next attempt of a pending one, else at a slow poll.
import { DELIVERIES_POLL_MS, DELIVERIES_SOONEST_MS, nextDeliveriesRead } from '../../dashboard/src/webhooks';

const now = Date.parse('2026-11-30T12:00:00Z');
const at = (ms: number) => new Date(now + ms).toISOString();

describe('nextDeliveriesRead', () => {
  it('polls slowly when nothing is pending', () => {
    expect(nextDeliveriesRead([], now)).toBe(DELIVERIES_POLL_MS);
    expect(nextDeliveriesRead([{ status: 'SUCCEEDED', nextAttemptAt: null }, { status: 'FAILED', nextAttemptAt: null }], now)).toBe(DELIVERIES_POLL_MS);
  });

  it('reads a second after the earliest pending attempt is due', () => {
    const deliveries = [
      { status: 'PENDING' as const, nextAttemptAt: at(8_000) },
      { status: 'PENDING' as const, nextAttemptAt: at(4_000) },
      { status: 'SUCCEEDED' as const, nextAttemptAt: null },
    ];
    expect(nextDeliveriesRead(deliveries, now)).toBe(5_000);
  });

  it('never sooner than its floor, nor later than the slow poll', () => {
    expect(nextDeliveriesRead([{ status: 'PENDING', nextAttemptAt: at(0) }], now)).toBe(DELIVERIES_SOONEST_MS);
    expect(nextDeliveriesRead([{ status: 'PENDING', nextAttemptAt: at(-3_000) }], now)).toBe(DELIVERIES_SOONEST_MS);
    expect(nextDeliveriesRead([{ status: 'PENDING', nextAttemptAt: at(120_000) }], now)).toBe(DELIVERIES_POLL_MS);
  });

  it('leaves a long overdue delivery (held behind an earlier one of its order) to the slow poll', () => {
    expect(nextDeliveriesRead([{ status: 'PENDING', nextAttemptAt: at(-60_000) }], now)).toBe(DELIVERIES_POLL_MS);
    expect(nextDeliveriesRead([{ status: 'PENDING', nextAttemptAt: at(-60_000) }, { status: 'PENDING', nextAttemptAt: at(6_000) }], now)).toBe(7_000);
  });
});
