import {
  canAdvanceRefund,
  convertAmount,
  decideRefund,
  MAX_REFUNDS_PER_PAYMENT,
  matchReportedRefunds,
  refundableTotal,
  refundedTotal,
  type StoredRefund,
} from '../../src/domain/refunds';

const captured = { status: 'CAPTURED' as const, captured: 52000, offset: 100, currency: 'INR' };

describe('refund status', () => {
  it('moves forward only: REQUESTED → PENDING → SUCCEEDED | FAILED, a step may be skipped, nothing goes back', () => {
    expect(canAdvanceRefund('REQUESTED', 'PENDING')).toBe(true);
    expect(canAdvanceRefund('REQUESTED', 'SUCCEEDED')).toBe(true);
    expect(canAdvanceRefund('PENDING', 'FAILED')).toBe(true);
    expect(canAdvanceRefund('PENDING', 'PENDING')).toBe(false);
    expect(canAdvanceRefund('SUCCEEDED', 'PENDING')).toBe(false);
    expect(canAdvanceRefund('SUCCEEDED', 'FAILED')).toBe(false);
    expect(canAdvanceRefund('FAILED', 'SUCCEEDED')).toBe(false);
    expect(canAdvanceRefund('PENDING', 'REQUESTED')).toBe(false);
  });
});

describe('amounts', () => {
  it('refunded counts successes; refundable is the capture minus everything that took or may take money', () => {
    const refunds = [
      { amount: 10000, status: 'SUCCEEDED' as const },
      { amount: 5000, status: 'PENDING' as const },
      { amount: 2000, status: 'REQUESTED' as const },
      { amount: 30000, status: 'FAILED' as const },
    ];
    expect(refundedTotal(refunds)).toBe(10000);
    expect(refundableTotal(52000, refunds)).toBe(35000);
    expect(refundableTotal(1000, refunds)).toBe(0);
  });

  it('converts between offsets only when the value is exact', () => {
    expect(convertAmount(520000, 1000, 100)).toBe(52000);
    expect(convertAmount(200, 100, 1000)).toBe(2000);
    expect(convertAmount(2505, 1000, 100)).toBeNull();
  });
});

describe('decideRefund', () => {
  it('refunds the whole refundable amount by default, or the part asked for', () => {
    expect(decideRefund(captured, [], null)).toEqual({ ok: true, amount: 52000 });
    expect(decideRefund(captured, [{ amount: 20000, status: 'PENDING' }], undefined)).toEqual({ ok: true, amount: 32000 });
    expect(decideRefund(captured, [], { value: 100, offset: 100 })).toEqual({ ok: true, amount: 100 });
    expect(decideRefund(captured, [{ amount: 2000, status: 'FAILED' }], { value: 52000, offset: 100 })).toEqual({ ok: true, amount: 52000 });
  });

  it.each([
    ['a payment not captured', { ...captured, status: 'PENDING' as const }, [], null, ['input', 'referenceId'], /Only a CAPTURED payment can be refunded; this one is PENDING/],
    ['a capture of unknown amount', { ...captured, captured: null }, [], null, ['input', 'referenceId'], /CAPTURED/],
    ['another currency', { ...captured, currency: 'USD' }, [], null, ['input', 'referenceId'], /INR payments only; this payment was made in USD/],
    ['nothing left', captured, [{ amount: 52000, status: 'REQUESTED' as const }], null, ['input', 'referenceId'], /Nothing is left to refund/],
    ['zero', captured, [], { value: 0, offset: 100 }, ['input', 'amount', 'value'], /more than zero/],
    ['a negative amount', captured, [], { value: -5, offset: 100 }, ['input', 'amount', 'value'], /more than zero/],
    ['not INR (another offset)', captured, [], { value: 2000, offset: 1000 }, ['input', 'amount', 'offset'], /INR in paise \(offset 100\)/],
    ['more than is left', captured, [{ amount: 50000, status: 'SUCCEEDED' as const }], { value: 2001, offset: 100 }, ['input', 'amount', 'value'], /INR 20\.01 is more than the INR 20\.00 left to refund/],
    [
      'a refund past the most one payment may have',
      captured,
      Array.from({ length: MAX_REFUNDS_PER_PAYMENT }, () => ({ amount: 1, status: 'SUCCEEDED' as const })),
      { value: 1, offset: 100 },
      ['input', 'referenceId'],
      /already has 100 refunds, the most one payment may have/,
    ],
  ])('refuses %s with REFUND_NOT_ALLOWED naming the field', (_what, payment, refunds, amount, field, message) => {
    const decided = decideRefund(payment, refunds, amount);
    expect(decided.ok).toBe(false);
    if (decided.ok) return;
    expect(decided.error).toMatchObject({ code: 'REFUND_NOT_ALLOWED', field });
    expect(decided.error.message).toMatch(message);
  });
});

describe('matchReportedRefunds: which refund of WhatsApp is which of ours', () => {
  const at = (iso: string) => new Date(iso);
  const ours = (over: Partial<StoredRefund> = {}): StoredRefund => ({
    id: 'ours',
    refundId: null,
    status: 'REQUESTED',
    amount: 20000,
    createdAt: at('2026-03-01T10:00:00.700Z'),
    inFlight: false,
    ...over,
  });

  it('a refund whose id we know is that refund', () => {
    const stored = [ours({ refundId: 'rfnd_A', status: 'PENDING' })];
    expect(matchReportedRefunds(stored, [{ id: 'rfnd_A', amount: 20000, createdAt: null }])[0].match).toEqual({ kind: 'known', refund: stored[0] });
  });

  it('the refund being settled takes a refund of the same amount created in its second or later (whole-second timestamps)', () => {
    const stored = [ours()];
    const sameSecond = { id: 'rfnd_B', amount: 20000, createdAt: at('2026-03-01T10:00:00Z') };
    expect(matchReportedRefunds(stored, [sameSecond], 'ours')[0].match).toEqual({ kind: 'ours', refund: stored[0] });
    const later = { id: 'rfnd_C', amount: 20000, createdAt: at('2026-03-01T10:00:05Z') };
    expect(matchReportedRefunds(stored, [later], 'ours')[0].match.kind).toBe('ours');
    // a refund without a timestamp cannot be ruled out: taking it never refunds twice
    expect(matchReportedRefunds(stored, [{ id: 'rfnd_D', amount: 20000, createdAt: null }], 'ours')[0].match.kind).toBe('ours');
  });

  it('never takes a refund created before ours was stored, of another amount, or of unknown amount', () => {
    const stored = [ours()];
    for (const r of [
      { id: 'rfnd_E', amount: 20000, createdAt: at('2026-03-01T09:59:59Z') },
      { id: 'rfnd_F', amount: 20001, createdAt: at('2026-03-01T10:00:01Z') },
      { id: 'rfnd_G', amount: null, createdAt: at('2026-03-01T10:00:01Z') },
    ]) {
      expect(matchReportedRefunds(stored, [r], 'ours')[0].match).toEqual({ kind: 'external' });
    }
  });

  it('a refund already matched by id to another of ours is not taken again, and each of ours is matched once (oldest first)', () => {
    const stored = [ours(), ours({ id: 'done', refundId: 'rfnd_H', status: 'PENDING' })];
    const reported = [
      { id: 'rfnd_J', amount: 20000, createdAt: at('2026-03-01T10:00:03Z') },
      { id: 'rfnd_H', amount: 20000, createdAt: at('2026-03-01T10:00:01Z') },
      { id: 'rfnd_I', amount: 20000, createdAt: at('2026-03-01T10:00:02Z') },
    ];
    expect(matchReportedRefunds(stored, reported, 'ours').map((r) => [r.reported.id, r.match.kind])).toEqual([
      ['rfnd_J', 'external'],
      ['rfnd_H', 'known'],
      ['rfnd_I', 'ours'],
    ]);
  });

  it('without a refund being settled (the payment lookup): a candidate for a request in flight is undecided; one for a request that cannot have reached WhatsApp is external', () => {
    const reported = [{ id: 'rfnd_K', amount: 20000, createdAt: at('2026-03-01T10:00:02Z') }];
    const inFlight = [ours({ inFlight: true })];
    expect(matchReportedRefunds(inFlight, reported)[0].match).toEqual({ kind: 'undecided', refund: inFlight[0] });
    expect(matchReportedRefunds([ours()], reported)[0].match).toEqual({ kind: 'external' });
    // a refund that has its answer already (PENDING with an id) is no candidate
    expect(matchReportedRefunds([ours({ inFlight: true, status: 'PENDING', refundId: 'rfnd_Z' })], reported)[0].match).toEqual({ kind: 'external' });
  });
});
