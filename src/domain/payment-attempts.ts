// Which stored transaction each attempt of a lookup answer is. WhatsApp lists every attempt of a
// payment, oldest first, and several may share one id (the payment gateway's order id): Meta's
// captured-after-retry sample has a failed and a successful attempt under the same id, told apart
// only by pg_transaction_id, which an attempt in progress may not have yet.

/** For each listed attempt (in order), the stored row it is, or undefined for a new attempt. */
export function matchAttempts<T extends { transactionId: string; pgTransactionId: string | null }>(
  stored: readonly T[],
  listed: ReadonlyArray<{ id: string; pgTransactionId: string | null }>,
): Array<T | undefined> {
  const taken = new Set<T>();
  const result: Array<T | undefined> = listed.map(() => undefined);
  // the same attempt for sure: same order id and same payment id
  listed.forEach((t, i) => {
    if (t.pgTransactionId === null) return;
    const row = stored.find((s) => !taken.has(s) && s.transactionId === t.id && s.pgTransactionId === t.pgTransactionId);
    if (row) {
      taken.add(row);
      result[i] = row;
    }
  });
  // then in order: an attempt without a payment id yet, on one side or the other
  listed.forEach((t, i) => {
    if (result[i]) return;
    const row = stored.find(
      (s) => !taken.has(s) && s.transactionId === t.id && (s.pgTransactionId === null || t.pgTransactionId === null),
    );
    if (row) {
      taken.add(row);
      result[i] = row;
    }
  });
  return result;
}
