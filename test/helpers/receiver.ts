import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a receiver got, and what it answered. */
export interface Received {
  /** the request's path and query */
  path: string;
  headers: Record<string, string>;
  body: string;
  /** the parsed JSON body */
  json: any;
  at: number;
  /** the status it answered with; null when it never answered (hang, reset) */
  answered: number | null;
}

/** How the receiver answers a request: a status, a status after a delay, or no answer at all. */
export type Answer = number | { status: number; delayMs: number } | 'hang' | 'reset';

/**
 * A storefront's webhook receiver: a real HTTP server on a local port that records every request
 * and answers as the test says (by default 204 at once).
 */
export class Receiver {
  readonly received: Received[] = [];
  answer: (r: Omit<Received, 'answered'>) => Answer = () => 204;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Set<ServerResponse>();
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening and drops every connection (a later request is refused). */
  async stop(): Promise<void> {
    if (!this.server) return;
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Requests with this webhook-id. */
  withId(id: string): Received[] {
    return this.received.filter((r) => r.headers['webhook-id'] === id);
  }

  /** The requests for an order (by the body's referenceId), in arrival order. */
  forOrder(referenceId: string): Received[] {
    return this.received.filter((r) => r.json?.data?.referenceId === referenceId);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        // kept as text
      }
      const entry: Received = { path: req.url ?? '', headers: req.headers as Record<string, string>, body, json, at: Date.now(), answered: null };
      this.received.push(entry);
      const answer = this.answer(entry);
      if (answer === 'hang') {
        this.hung.add(res);
        return;
      }
      if (answer === 'reset') {
        req.socket.destroy();
        return;
      }
      const { status, delayMs } = typeof answer === 'number' ? { status: answer, delayMs: 0 } : answer;
      setTimeout(() => {
        entry.answered = status;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? '' : 'not now');
      }, delayMs);
    });
  }
}

/** Verifies a received request with the Standard Webhooks reference library; returns the parsed body. */
export function verify(secret: string, r: { headers: Record<string, string>; body: string }): any {
  return new Webhook(secret).verify(r.body, r.headers);
}
