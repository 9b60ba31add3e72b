import type { Logger } from '../logger';

/**
 * The schedule of a background worker: one pass at a time, every `pollMs`, or at once when kicked
 * (a kick during a pass runs another pass right after it). `stop()` waits for the pass in flight,
 * so a stopping gateway never leaves a half-recorded attempt behind.
 */
export class WorkerLoop {
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private running: Promise<void> | null = null;
  private again: number | null = null;
  private halted = true;

  constructor(
    private readonly name: string,
    private readonly pass: () => Promise<unknown>,
    private readonly pollMs: number,
    private readonly logger: Logger,
  ) {}

  get stopped(): boolean {
    return this.halted;
  }

  start(): void {
    this.halted = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.halted = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Work becomes due in `delayMs`: run a pass then (or sooner), coalesced with any already planned. */
  kick(delayMs = 0): void {
    if (this.halted) return;
    if (this.running) this.again = Math.min(this.again ?? Infinity, delayMs);
    else if (Date.now() + delayMs < this.timerAt) this.schedule(delayMs);
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.running = this.pass()
        .then(() => undefined)
        .catch((err) => this.logger.error({ err }, `${this.name} pass failed; it runs again on the next poll`))
        .finally(() => {
          this.running = null;
          if (this.halted) return;
          const next = this.again ?? this.pollMs;
          this.again = null;
          this.schedule(Math.min(next, this.pollMs));
        });
    }, delay);
  }
}
