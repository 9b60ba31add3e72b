/**
 * Runs tasks one at a time, in arrival order.
 *
 * TypeORM's sqlite driver shares ONE connection between all callers: two transactions open at
 * once interleave on it, so a failing one rolls back the other's writes (even a save() that
 * already reported success). Serializing every write transaction is the only safe use.
 */
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task, task);
    // the chain must survive a failed task, so the next one waits for settlement, not success
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    );
    return result;
  }

  get size(): number {
    return this.pending;
  }
}
