import type { Logger } from '../logger';

/**
 * The schedule of a background worker: one pass at a time, every `pollMs`, or at once when kicked
 * (a kick during a pass runs another pass right after it). `stop()` waits for the pass in flight,
 * so a stopping gateway never leaves a half-recorded attempt behind.
 */
export class WorkerLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
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

  /** Work became due: run a pass soon, coalesced with the one already running. */
  kick(): void {
    if (this.halted) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.pass()
        .then(() => undefined)
        .catch((err) => this.logger.error({ err }, `${this.name} pass failed; it runs again on the next poll`))
        .finally(() => {
          this.running = null;
          if (this.halted) return;
          const now = this.again;
          this.again = false;
          this.schedule(now ? 0 : this.pollMs);
        });
    }, delay);
  }
}
