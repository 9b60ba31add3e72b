// Signed webhooks to the business (Standard Webhooks), end to end over real HTTP: the gateway with
// its WhatsApp simulator, and a storefront's receiver on a local port (so private addresses are
// allowed here: OUTBOUND_WEBHOOKS_ALLOW_PRIVATE=true; the refusals are in
// business-webhook-addresses.test.ts). Signatures are verified by the `standardwebhooks` library.
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { OutboxEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from '../../src/db/entities';
import { decryptSecret } from '../../src/db/secrets';
import {
  createEndpoint,
  CREATE_ENDPOINT,
  DELETE_ENDPOINT,
  deliveriesOf,
  endpointWithDeliveries,
  ENDPOINT,
  ENDPOINTS,
  REDELIVER,
  ROTATE_SECRET,
  UPDATE_ENDPOINT,
} from '../helpers/business-webhooks';
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { Receiver, verify } from '../helpers/receiver';
import { eventually, startTestStack, UPDATE, type TestStack } from '../helpers/stack';
import { connectSimulator, readOrder, sendOrder } from '../helpers/webhooks';

describe('business webhooks (real receiver on a local port)', () => {
  let stack: TestStack;
  let shop: TestBusiness;
  let receiver: Receiver;

  beforeAll(async () => {
    stack = await startTestStack({ OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: 'true' });
    shop = stack.shop;
    connectSimulator(stack);
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
    await stack.stop();
  });
  beforeEach(() => {
    receiver.answer = () => 204;
  });

  const ops = () => shop.keys.OPS;
  /** A business of its own per test, so endpoints of other tests never receive its events. */
  async function freshShop(): Promise<TestBusiness> {
    return createBusiness(stack.t);
  }
  async function capture(business: TestBusiness, ref: string): Promise<void> {
    await stack.sim.pay(ref, 'captured');
    await eventually(async () => expect((await readOrder(stack.t, ref, business.keys.OPS)).payment).toMatchObject({ status: 'CAPTURED', verified: true }));
  }
  const bodiesOf = (ref: string) => receiver.forOrder(ref).map((r) => r.json);
  const typesOf = (ref: string) => bodiesOf(ref).map((b) => `${b.type} ${b.data.fromStatus ?? ''}>${b.data.toStatus ?? ''}`);

  it('creates an endpoint with a whsec_ secret shown once, kept encrypted, never readable through the API', async () => {
    const res = dataOf(await stack.t.gql(CREATE_ENDPOINT, { input: { url: receiver.url, description: 'shop backend' } }, ops())).createWebhookEndpoint;
    expect(res.userErrors).toEqual([]);
    expect(res.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(res.webhookEndpoint).toMatchObject({ url: receiver.url, eventTypes: [], enabled: true, description: 'shop backend', business: { name: shop.name } });

    // the stored row holds ciphertext only; SECRETS_KEY opens it
    const row = await stack.t.gateway.db.manager.findOneByOrFail(WebhookEndpointEntity, { url: receiver.url });
    expect(row.secretEncrypted).not.toContain(res.secret.slice(6, 20));
    expect(decryptSecret(row.secretEncrypted, stack.t.gateway.config.secretsKey!)).toBe(res.secret);
    // no field of the API carries it
    const introspection = dataOf(await stack.t.gql(`{ __type(name: "WebhookEndpoint") { fields { name } } }`, {}, ops())).__type.fields.map((f: any) => f.name);
    expect(introspection.filter((n: string) => /secret/i.test(n))).toEqual([]);
    const listed = JSON.stringify(dataOf(await stack.t.gql(ENDPOINTS, { first: 5 }, ops())));
    expect(listed).not.toContain(res.secret);
    dataOf(await stack.t.gql(DELETE_ENDPOINT, { id: res.webhookEndpoint.id }, ops()));
  });

  it('delivers every event of an order, signed (verified by standardwebhooks), with the event id as webhook-id and the order after the event', async () => {
    const b = await freshShop();
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url });
    const order = await sendOrder(stack.t, b);
    const ref = order.referenceId;
    await capture(b, ref);
    const events = (await readOrder(stack.t, ref, b.keys.OPS)).events as Array<{ id: string; type: string; toStatus: string | null; detail: string | null; at: string }>;
    await eventually(async () => expect(receiver.forOrder(ref).length).toBe(events.length));

    const got = receiver.forOrder(ref);
    // one delivery per event, in the order they happened, each webhook-id the API's event id
    expect(got.map((r) => r.headers['webhook-id'])).toEqual(events.map((e) => e.id));
    for (const r of got) {
      // the reference library accepts the signature, and a changed body or another secret fails it
      expect(verify(endpoint.secret, r)).toEqual(r.json);
      expect(() => verify(endpoint.secret, { ...r, body: r.body.replace('"data"', '"data" ') })).toThrow(WebhookVerificationError);
      expect(() => new Webhook('whsec_' + Buffer.alloc(32, 7).toString('base64')).verify(r.body, r.headers)).toThrow(WebhookVerificationError);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    }
    const captured = got.find((r) => r.json.type === 'PAYMENT_STATUS_CHANGED' && r.json.data.toStatus === 'CAPTURED')!;
    const event = events.find((e) => e.type === 'PAYMENT_STATUS_CHANGED' && e.toStatus === 'CAPTURED')!;
    expect(captured.json).toEqual({
      type: 'PAYMENT_STATUS_CHANGED',
      timestamp: event.at,
      data: {
        eventId: event.id,
        businessId: b.id,
        referenceId: ref,
        type: 'PAYMENT_STATUS_CHANGED',
        source: 'LOOKUP',
        fromStatus: 'NEW',
        toStatus: 'CAPTURED',
        detail: event.detail,
        order: {
          referenceId: ref,
          status: 'PENDING',
          total: { value: 52000, offset: 100, currency: 'INR' },
          payment: { status: 'CAPTURED', verified: true, amount: { value: 52000, offset: 100, currency: 'INR' }, refundedAmount: { value: 0, offset: 100, currency: 'INR' } },
        },
      },
    });
    // the first event's snapshot is the order as it was then
    expect(got[0].json.data).toMatchObject({ type: 'ORDER_CREATED', toStatus: 'PENDING', order: { status: 'PENDING', payment: { status: 'NEW', verified: false, amount: null } } });

    // and the API's delivery log says the same (once the last answer is recorded)
    const deliveries = await eventually(async () => {
      const list = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
      expect(list.map((d) => d.status)).toEqual(events.map(() => 'SUCCEEDED'));
      return list;
    });
    // (deliveries made in the same millisecond list in id order: compared as a set)
    expect(deliveries.map((d) => d.eventId).sort()).toEqual(events.map((e) => e.id).sort());
    for (const d of deliveries) {
      expect(d).toMatchObject({ status: 'SUCCEEDED', attempts: 1, lastStatusCode: 204, lastError: null, referenceId: ref, nextAttemptAt: null });
      expect(d.deliveredAt).not.toBeNull();
      expect(d.attemptLog).toEqual([{ at: expect.any(String), statusCode: 204, error: null, durationMs: expect.any(Number) }]);
    }
    // a node() read of the event behind webhook-id finds it
    const node = dataOf(await stack.t.gql(`query($id: ID!) { node(id: $id) { ... on OrderEvent { type toStatus } } }`, { id: captured.headers['webhook-id'] }, b.keys.OPS)).node;
    expect(node).toEqual({ type: 'PAYMENT_STATUS_CHANGED', toStatus: 'CAPTURED' });
  });

  it('delivers only the event types an endpoint asks for, and stops delivering once they change', async () => {
    const b = await freshShop();
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['PAYMENT_STATUS_CHANGED', 'ORDER_STATUS_CHANGED'] });
    const order = await sendOrder(stack.t, b);
    await capture(b, order.referenceId);
    await eventually(async () => expect(typesOf(order.referenceId)).toEqual(['PAYMENT_STATUS_CHANGED NEW>CAPTURED']));

    const updated = dataOf(await stack.t.gql(UPDATE_ENDPOINT, { input: { id: endpoint.id, eventTypes: ['ORDER_STATUS_CHANGED'] } }, b.keys.OPS)).updateWebhookEndpoint;
    expect(updated.webhookEndpoint.eventTypes).toEqual(['ORDER_STATUS_CHANGED']);
    const second = await sendOrder(stack.t, b);
    await capture(b, second.referenceId);
    expect(dataOf(await stack.t.gql(UPDATE, { input: { referenceId: second.referenceId, status: 'PROCESSING' } }, b.keys.OPS)).updateOrderStatus.userErrors).toEqual([]);
    await eventually(async () => expect(typesOf(second.referenceId)).toEqual(['ORDER_STATUS_CHANGED PENDING>PROCESSING']));
    expect(bodiesOf(second.referenceId)[0].data.order).toMatchObject({ status: 'PROCESSING', payment: { status: 'CAPTURED', verified: true } });
  });

  it('a 5xx is retried with the same webhook-id until a 2xx; every attempt is recorded', async () => {
    const b = await freshShop();
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED'] });
    let failures = 3;
    receiver.answer = (r) => (r.json?.data?.businessId === b.id && failures-- > 0 ? 503 : 204);
    const order = await sendOrder(stack.t, b);
    await eventually(async () => expect(receiver.forOrder(order.referenceId).map((r) => r.answered)).toEqual([503, 503, 503, 204]));
    const got = receiver.forOrder(order.referenceId);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    // the same body every time, each signed anew for its own timestamp
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    for (const r of got) expect(verify(endpoint.secret, r)).toEqual(got[0].json);

    const [d] = await eventually(async () => {
      const list = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
      expect(list[0].status).toBe('SUCCEEDED');
      return list;
    });
    expect(d).toMatchObject({ attempts: 4, lastStatusCode: 204, lastError: null });
    expect(d.attemptLog.map((a: any) => [a.statusCode, a.error])).toEqual([
      [503, 'HTTP 503 Service Unavailable'],
      [503, 'HTTP 503 Service Unavailable'],
      [503, 'HTTP 503 Service Unavailable'],
      [204, null],
    ]);
  });

  it('a receiver that does not answer within 10 s times out, and the delivery is retried with the same webhook-id', async () => {
    const b = await freshShop();
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED'] });
    let hang = 1;
    receiver.answer = (r) => (r.json?.data?.businessId === b.id && hang-- > 0 ? 'hang' : 204);
    const order = await sendOrder(stack.t, b);
    const started = Date.now();
    const [d] = await eventually(async () => {
      const list = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
      expect(list[0].status).toBe('SUCCEEDED');
      return list;
    }, 25_000);
    // the first attempt was given the contract's 10 s, no less
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    expect(d.attemptLog.map((a: any) => [a.statusCode, a.error])).toEqual([
      [null, 'timeout: no answer within 10 s'],
      [204, null],
    ]);
    expect(d.attemptLog[0].durationMs).toBeGreaterThanOrEqual(10_000);
    const got = receiver.forOrder(order.referenceId);
    expect(got.map((r) => r.answered)).toEqual([null, 204]);
    expect(got[1].headers['webhook-id']).toBe(got[0].headers['webhook-id']);
    expect(verify(endpoint.secret, got[1]).data.referenceId).toBe(order.referenceId);
  }, 30_000);

  it('a redirect is not followed: a 3xx is a failure, retried like any other', async () => {
    const b = await freshShop();
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED'] });
    let redirects = 1;
    const elsewhere: string[] = [];
    const target = createServer((req, res) => {
      elsewhere.push(req.url ?? '');
      res.end();
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    try {
      receiver.answer = (r) => (r.json?.data?.businessId === b.id && redirects-- > 0 ? 307 : 204);
      const order = await sendOrder(stack.t, b);
      await eventually(async () => expect(receiver.forOrder(order.referenceId).map((r) => r.answered)).toEqual([307, 204]));
      const [d] = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
      expect(d.attemptLog[0]).toMatchObject({ statusCode: 307, error: 'HTTP 307 Temporary Redirect (redirects are not followed)' });
      expect(elsewhere).toEqual([]);
    } finally {
      await new Promise((r) => target.close(r));
    }
  });

  it('a receiver that answers a huge body is read no further than a small limit', async () => {
    const b = await freshShop();
    let closedEarly = false;
    let written = 0;
    const big: Server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 97);
      const pump = () => {
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (closedEarly = !res.writableFinished));
      pump();
    });
    await new Promise<void>((r) => big.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(big.address() as AddressInfo).port}/hooks`;
      const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url, eventTypes: ['ORDER_CREATED'] });
      await sendOrder(stack.t, b);
      const [d] = await eventually(async () => {
        const list = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
        expect(list[0].status).toBe('SUCCEEDED');
        return list;
      });
      expect(d).toMatchObject({ attempts: 1, lastStatusCode: 200 });
      await eventually(async () => expect(closedEarly).toBe(true));
      expect(written).toBeLessThan(64 * 1024 * 1024);
    } finally {
      big.closeAllConnections();
      await new Promise((r) => big.close(r));
    }
  });

  it('a refused connection is retried until the receiver is up, with the same webhook-id', async () => {
    const b = await freshShop();
    const down = await new Receiver().start();
    const port = down.port;
    await down.stop();
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: `http://127.0.0.1:${port}/hooks`, eventTypes: ['ORDER_CREATED'] });
    const order = await sendOrder(stack.t, b);
    const failing = await eventually(async () => {
      const [d] = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
      expect(d.attempts).toBeGreaterThanOrEqual(2);
      return d;
    });
    expect(failing).toMatchObject({ status: 'PENDING', lastStatusCode: null, lastError: 'connection refused' });
    expect(failing.nextAttemptAt).not.toBeNull();
    expect(failing.attemptLog.every((a: any) => a.statusCode === null && a.error === 'connection refused')).toBe(true);

    const up = await new Receiver().start(port);
    try {
      await eventually(async () => expect(up.forOrder(order.referenceId)).toHaveLength(1));
      expect(verify(endpoint.secret, up.received[0]).data.referenceId).toBe(order.referenceId);
      const [d] = await eventually(async () => {
        const list = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
        expect(list[0].status).toBe('SUCCEEDED');
        return list;
      });
      expect(up.received[0].headers['webhook-id']).toBe(d.eventId);
    } finally {
      await up.stop();
    }
  });

  it('per endpoint, one order’s events arrive in order while it fails, and another order’s keep flowing', async () => {
    const b = await freshShop();
    await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED', 'ORDER_STATUS_CHANGED'] });
    // the stuck order's receiver side fails (a bug in its handler) until told otherwise
    const stuckRef = `STUCK-${Math.random().toString(36).slice(2, 8)}`;
    let broken = true;
    receiver.answer = (r) => (broken && r.json?.data?.referenceId === stuckRef ? 500 : 204);
    const stuck = await sendOrder(stack.t, b, { referenceId: stuckRef });
    for (const status of ['PROCESSING', 'SHIPPED', 'COMPLETED']) {
      await stack.t.gql(UPDATE, { input: { referenceId: stuck.referenceId, status } }, b.keys.OPS);
    }
    // meanwhile another order goes through all its steps
    const other = await sendOrder(stack.t, b);
    for (const status of ['PROCESSING', 'SHIPPED', 'COMPLETED']) {
      await stack.t.gql(UPDATE, { input: { referenceId: other.referenceId, status } }, b.keys.OPS);
    }
    const flow = ['ORDER_CREATED >PENDING', 'ORDER_STATUS_CHANGED PENDING>PROCESSING', 'ORDER_STATUS_CHANGED PROCESSING>SHIPPED', 'ORDER_STATUS_CHANGED SHIPPED>COMPLETED'];
    await eventually(async () => expect(typesOf(other.referenceId)).toEqual(flow));
    // the stuck order's later events were held back behind its failing one: only that one was tried
    const tried = typesOf(stuck.referenceId);
    expect(new Set(tried)).toEqual(new Set([flow[0]]));
    expect(tried.length).toBeGreaterThanOrEqual(1);

    broken = false;
    await eventually(async () => expect(receiver.forOrder(stuck.referenceId).filter((r) => r.answered === 204).map((r) => `${r.json.type} ${r.json.data.fromStatus ?? ''}>${r.json.data.toStatus}`)).toEqual(flow));
    // each in order, the first after its failures
    const firsts = receiver.forOrder(stuck.referenceId).map((r) => r.json.data.toStatus);
    expect(firsts.slice(-3)).toEqual(['PROCESSING', 'SHIPPED', 'COMPLETED']);
  });

  it('redeliverWebhook sends a delivery again as a new delivery with the same event id and body', async () => {
    const b = await freshShop();
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED'] });
    const order = await sendOrder(stack.t, b);
    await eventually(async () => expect(receiver.forOrder(order.referenceId)).toHaveLength(1));
    const [original] = await eventually(async () => {
      const list = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
      expect(list[0].status).toBe('SUCCEEDED');
      return list;
    });

    const res = dataOf(await stack.t.gql(REDELIVER, { id: original.id }, b.keys.OPS)).redeliverWebhook;
    expect(res.userErrors).toEqual([]);
    expect(res.delivery.id).not.toBe(original.id);
    expect(res.delivery).toMatchObject({ eventId: original.eventId, eventType: 'ORDER_CREATED', referenceId: order.referenceId, attempts: 0 });
    await eventually(async () => expect(receiver.forOrder(order.referenceId)).toHaveLength(2));
    const [first, again] = receiver.forOrder(order.referenceId);
    expect(again.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(again.body).toBe(first.body);
    expect(verify(endpoint.secret, again)).toEqual(first.json);
    const deliveries = await eventually(async () => {
      const list = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
      expect(list.map((d) => d.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      return list;
    });
    expect(deliveries.map((d) => d.id)).toEqual([original.id, res.delivery.id]);
  });

  it('a delivery that ran out of its 72 hours is FAILED with the reason, and redelivery sends it', async () => {
    const b = await freshShop();
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED'] });
    receiver.answer = (r) => (r.json?.data?.businessId === b.id ? 503 : 204);
    const order = await sendOrder(stack.t, b);
    const db = stack.t.gateway.db;
    const job = await eventually(async () => {
      const [d] = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
      expect(d.attempts).toBeGreaterThanOrEqual(2);
      const row = await db.manager.findOneByOrFail(OutboxEntity, { kind: 'BUSINESS_WEBHOOK', subjectId: Buffer.from(d.id, 'base64url').toString().split(':')[1] });
      return row;
    });
    // no attempt limit: the deadline is 72 hours after the delivery was made
    expect(job.giveUpAt!.getTime() - job.createdAt.getTime()).toBe(72 * 3600 * 1000);
    expect(job.sequenceKey).toMatch(/^wh:[0-9a-f-]{36}:[0-9a-f-]{36}$/);
    // the 72 hours pass (the clock of this job is moved, not the test's)
    await db.transaction((m) =>
      m.update(OutboxEntity, { id: job.id }, { createdAt: new Date(Date.now() - 72 * 3600 * 1000 - 1000), giveUpAt: new Date(Date.now() - 1000) }),
    );
    const [failed] = await eventually(async () => {
      const list = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
      expect(list[0].status).toBe('FAILED');
      return list;
    });
    expect(failed.lastError).toMatch(/^gave up after \d+ attempts over 72 hours/);
    expect(failed.nextAttemptAt).toBeNull();
    expect(await db.manager.countBy(OutboxEntity, { id: job.id })).toBe(0);
    const triedBefore = receiver.forOrder(order.referenceId).length;

    receiver.answer = () => 204;
    const res = dataOf(await stack.t.gql(REDELIVER, { id: failed.id }, b.keys.OPS)).redeliverWebhook;
    expect(res.userErrors).toEqual([]);
    await eventually(async () => expect(receiver.forOrder(order.referenceId).slice(triedBefore).map((r) => r.answered)).toEqual([204]));
    expect(receiver.forOrder(order.referenceId).at(-1)!.headers['webhook-id']).toBe(failed.eventId);
  });

  it('rotation: during the overlap every request carries two signatures, each verifying with its own secret; after it, only the new one', async () => {
    const b = await freshShop();
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED'] });
    const rotated = dataOf(await stack.t.gql(ROTATE_SECRET, { id: endpoint.id, overlap: 2 }, b.keys.OPS)).rotateWebhookEndpointSecret;
    expect(rotated.userErrors).toEqual([]);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(endpoint.secret);

    const during = await sendOrder(stack.t, b);
    await eventually(async () => expect(receiver.forOrder(during.referenceId)).toHaveLength(1));
    const r1 = receiver.forOrder(during.referenceId)[0];
    expect(r1.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verify(rotated.secret, r1).data.referenceId).toBe(during.referenceId);
    expect(verify(endpoint.secret, r1).data.referenceId).toBe(during.referenceId);

    await new Promise((r) => setTimeout(r, 2100));
    const after = await sendOrder(stack.t, b);
    await eventually(async () => expect(receiver.forOrder(after.referenceId)).toHaveLength(1));
    const r2 = receiver.forOrder(after.referenceId)[0];
    expect(r2.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(verify(rotated.secret, r2).data.referenceId).toBe(after.referenceId);
    expect(() => verify(endpoint.secret, r2)).toThrow(WebhookVerificationError);

    // without an overlap the old secret stops at once
    const now = dataOf(await stack.t.gql(ROTATE_SECRET, { id: endpoint.id, overlap: 0 }, b.keys.OPS)).rotateWebhookEndpointSecret;
    const third = await sendOrder(stack.t, b);
    await eventually(async () => expect(receiver.forOrder(third.referenceId)).toHaveLength(1));
    const r3 = receiver.forOrder(third.referenceId)[0];
    expect(verify(now.secret, r3).data.referenceId).toBe(third.referenceId);
    expect(() => verify(rotated.secret, r3)).toThrow(WebhookVerificationError);

    // the default overlap is a day; more than 7 days is refused
    const defaulted = dataOf(await stack.t.gql(`mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret userErrors { code } } }`, { id: endpoint.id }, b.keys.OPS));
    expect(defaulted.rotateWebhookEndpointSecret.userErrors).toEqual([]);
    const row = await stack.t.gateway.db.manager.findOneByOrFail(WebhookEndpointEntity, { id: Buffer.from(endpoint.id, 'base64url').toString().split(':')[1] });
    expect(row.previousSecretExpiresAt!.getTime() - row.updatedAt.getTime()).toBe(86400 * 1000);
    for (const overlap of [7 * 86400 + 1, -1]) {
      const refused = dataOf(await stack.t.gql(ROTATE_SECRET, { id: endpoint.id, overlap }, b.keys.OPS)).rotateWebhookEndpointSecret;
      expect(refused).toEqual({ secret: null, webhookEndpoint: null, userErrors: [{ code: 'INVALID_INPUT', field: ['overlapSeconds'], message: expect.stringMatching(/from 0 to 604800/) }] });
    }
  });

  it('a disabled endpoint gets no deliveries; what was pending ends FAILED; enabled again, new events flow', async () => {
    const b = await freshShop();
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED'] });
    receiver.answer = (r) => (r.json?.data?.businessId === b.id ? 503 : 204);
    const pending = await sendOrder(stack.t, b);
    await eventually(async () => expect(receiver.forOrder(pending.referenceId).length).toBeGreaterThanOrEqual(1));

    const off = dataOf(await stack.t.gql(UPDATE_ENDPOINT, { input: { id: endpoint.id, enabled: false } }, b.keys.OPS)).updateWebhookEndpoint;
    expect(off.webhookEndpoint.enabled).toBe(false);
    const [d] = await eventually(async () => {
      const list = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
      expect(list[0].status).toBe('FAILED');
      return list;
    });
    expect(d.lastError).toMatch(/the endpoint is disabled/);
    const tried = receiver.forOrder(pending.referenceId).length;

    receiver.answer = () => 204;
    const whileOff = await sendOrder(stack.t, b);
    await new Promise((r) => setTimeout(r, 300));
    expect(await deliveriesOf(stack.t, b.keys.OPS, endpoint.id)).toHaveLength(1);
    expect(receiver.forOrder(whileOff.referenceId)).toEqual([]);
    expect(receiver.forOrder(pending.referenceId)).toHaveLength(tried);
    const refused = dataOf(await stack.t.gql(REDELIVER, { id: d.id }, b.keys.OPS)).redeliverWebhook;
    expect(refused.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['deliveryId'], message: expect.stringMatching(/disabled; enable it/) }]);

    dataOf(await stack.t.gql(UPDATE_ENDPOINT, { input: { id: endpoint.id, enabled: true } }, b.keys.OPS));
    const afterOn = await sendOrder(stack.t, b);
    await eventually(async () => expect(receiver.forOrder(afterOn.referenceId)).toHaveLength(1));
    expect(receiver.forOrder(whileOff.referenceId)).toEqual([]);
  });

  it('deleting an endpoint drops its deliveries and what was still to be sent', async () => {
    const b = await freshShop();
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED'] });
    receiver.answer = (r) => (r.json?.data?.businessId === b.id ? 503 : 204);
    const order = await sendOrder(stack.t, b);
    await eventually(async () => expect(receiver.forOrder(order.referenceId).length).toBeGreaterThanOrEqual(1));
    const res = dataOf(await stack.t.gql(DELETE_ENDPOINT, { id: endpoint.id }, b.keys.OPS)).deleteWebhookEndpoint;
    expect(res).toEqual({ webhookEndpoint: { id: endpoint.id }, userErrors: [] });
    const tried = receiver.forOrder(order.referenceId).length;
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.forOrder(order.referenceId).length).toBeLessThanOrEqual(tried + 1);
    expect(await stack.t.gateway.db.manager.countBy(OutboxEntity, { kind: 'BUSINESS_WEBHOOK', businessId: Buffer.from(b.id, 'base64url').toString().split(':')[1] })).toBe(0);
    expect(dataOf(await stack.t.gql(ENDPOINTS, { first: 1 }, b.keys.OPS)).webhookEndpoints).toEqual([]);
    const again = dataOf(await stack.t.gql(DELETE_ENDPOINT, { id: endpoint.id }, b.keys.OPS)).deleteWebhookEndpoint;
    expect(again.userErrors).toEqual([{ code: 'NOT_FOUND', field: ['id'], message: expect.stringMatching(/No webhook endpoint with this id/) }]);
  });

  it('deliveries page newest first with opaque cursors and filter by status', async () => {
    const b = await freshShop();
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED'] });
    const refs: string[] = [];
    for (let i = 0; i < 5; i++) refs.push((await sendOrder(stack.t, b)).referenceId);
    await eventually(async () => expect((await deliveriesOf(stack.t, b.keys.OPS, endpoint.id)).filter((d) => d.status === 'SUCCEEDED')).toHaveLength(5));
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await endpointWithDeliveries(stack.t, b.keys.OPS, endpoint.id, { first: 2, after })).deliveries;
      seen.push(...page.edges.map((e: any) => e.node.referenceId));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...refs].reverse());
    expect((await endpointWithDeliveries(stack.t, b.keys.OPS, endpoint.id, { first: 10, status: ['FAILED', 'PENDING'] })).deliveries.edges).toEqual([]);
    expect((await endpointWithDeliveries(stack.t, b.keys.OPS, endpoint.id, { first: 10, status: ['SUCCEEDED'] })).deliveries.edges).toHaveLength(5);
    for (const [args, argument] of [[{ first: 0 }, 'first'], [{ first: 101 }, 'first'], [{ first: 5, after: 'nonsense' }, 'after']] as const) {
      const res = await stack.t.gql(ENDPOINT, { ...args, id: endpoint.id }, b.keys.OPS);
      expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: argument } });
    }
  });

  it('a business without endpoints gets no deliveries; one business never receives another’s events', async () => {
    const quiet = await freshShop();
    const loud = await freshShop();
    const endpoint = await createEndpoint(stack.t, loud.keys.OPS, { url: receiver.url });
    const q = await sendOrder(stack.t, quiet);
    const l = await sendOrder(stack.t, loud);
    await eventually(async () => expect(receiver.forOrder(l.referenceId).length).toBeGreaterThanOrEqual(2));
    expect(receiver.forOrder(q.referenceId)).toEqual([]);
    for (const r of receiver.forOrder(l.referenceId)) expect(verify(endpoint.secret, r).data.businessId).toBe(loud.id);
    expect(await stack.t.gateway.db.manager.countBy(WebhookDeliveryEntity, { referenceId: q.referenceId })).toBe(0);
  });

  describe('who may do what', () => {
    let other: TestBusiness;
    let endpointId: string;
    let deliveryId: string;

    beforeAll(async () => {
      other = await freshShop();
      const mine = await createEndpoint(stack.t, shop.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED'] });
      endpointId = mine.id;
      await sendOrder(stack.t, shop);
      const [d] = await eventually(async () => {
        const list = await deliveriesOf(stack.t, shop.keys.OPS, endpointId);
        expect(list.length).toBeGreaterThanOrEqual(1);
        return list;
      });
      deliveryId = d.id;
    });

    it('STOREFRONT and MOBILE keys are FORBIDDEN; without a key UNAUTHENTICATED', async () => {
      for (const key of [shop.keys.STOREFRONT, shop.keys.MOBILE]) {
        for (const [query, variables] of [
          [ENDPOINTS, {}],
          [CREATE_ENDPOINT, { input: { url: receiver.url } }],
          [UPDATE_ENDPOINT, { input: { id: endpointId, enabled: false } }],
          [DELETE_ENDPOINT, { id: endpointId }],
          [ROTATE_SECRET, { id: endpointId }],
          [REDELIVER, { id: deliveryId }],
        ] as const) {
          const res = await stack.t.gql(query, variables, key);
          expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        }
      }
      expect((await stack.t.gql(ENDPOINTS, {}, null)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      // node() does not show them to those keys either
      const node = dataOf(await stack.t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: endpointId }, shop.keys.STOREFRONT)).node;
      expect(node).toBeNull();
    });

    it("another business's OPS key sees none of it: every id answers NOT_FOUND, as for an unknown one", async () => {
      expect(dataOf(await stack.t.gql(ENDPOINTS, {}, other.keys.OPS)).webhookEndpoints).toEqual([]);
      const notFound = (field: string[]) => [{ code: 'NOT_FOUND', field, message: expect.any(String) }];
      expect(dataOf(await stack.t.gql(UPDATE_ENDPOINT, { input: { id: endpointId, enabled: false } }, other.keys.OPS)).updateWebhookEndpoint.userErrors).toEqual(notFound(['input', 'id']));
      expect(dataOf(await stack.t.gql(DELETE_ENDPOINT, { id: endpointId }, other.keys.OPS)).deleteWebhookEndpoint.userErrors).toEqual(notFound(['id']));
      expect(dataOf(await stack.t.gql(ROTATE_SECRET, { id: endpointId }, other.keys.OPS)).rotateWebhookEndpointSecret.userErrors).toEqual(notFound(['id']));
      expect(dataOf(await stack.t.gql(REDELIVER, { id: deliveryId }, other.keys.OPS)).redeliverWebhook.userErrors).toEqual(notFound(['deliveryId']));
      expect(dataOf(await stack.t.gql(REDELIVER, { id: 'V2ViaG9va0RlbGl2ZXJ5Om5vbmU' }, other.keys.OPS)).redeliverWebhook.userErrors).toEqual(notFound(['deliveryId']));
      for (const id of [endpointId, deliveryId]) {
        expect(dataOf(await stack.t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, other.keys.OPS)).node).toBeNull();
        expect(dataOf(await stack.t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, shop.keys.OPS)).node).toEqual({ id });
      }
      // an OPS key naming another business still acts on its own
      const created = dataOf(await stack.t.gql(CREATE_ENDPOINT, { input: { businessId: shop.id, url: receiver.url } }, other.keys.OPS)).createWebhookEndpoint;
      expect(created.webhookEndpoint.business.id).toBe(other.id);
      dataOf(await stack.t.gql(DELETE_ENDPOINT, { id: created.webhookEndpoint.id }, other.keys.OPS));
      // and the endpoint is untouched
      expect(await endpointWithDeliveries(stack.t, shop.keys.OPS, endpointId)).toMatchObject({ enabled: true });
    });

    it('ADMIN sees and manages every business’s endpoints, and must name the business to create one', async () => {
      const all = dataOf(await stack.t.gql('{ webhookEndpoints { id } }', {}, stack.t.adminKey)).webhookEndpoints.map((e: any) => e.id);
      expect(all).toContain(endpointId);
      const missing = dataOf(await stack.t.gql(CREATE_ENDPOINT, { input: { url: receiver.url } }, stack.t.adminKey)).createWebhookEndpoint;
      expect(missing.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'businessId'], message: expect.stringMatching(/businessId is required/) }]);
      const unknown = dataOf(await stack.t.gql(CREATE_ENDPOINT, { input: { businessId: 'QnVzaW5lc3M6bm9uZQ', url: receiver.url } }, stack.t.adminKey)).createWebhookEndpoint;
      expect(unknown.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'businessId'], message: expect.stringMatching(/No business has this id/) }]);
      const created = dataOf(await stack.t.gql(CREATE_ENDPOINT, { input: { businessId: other.id, url: receiver.url, eventTypes: ['UPSTREAM_ERROR'] } }, stack.t.adminKey)).createWebhookEndpoint;
      expect(created.webhookEndpoint.business.id).toBe(other.id);
      expect(dataOf(await stack.t.gql(ENDPOINTS, {}, other.keys.OPS)).webhookEndpoints.map((e: any) => e.id)).toEqual([created.webhookEndpoint.id]);
      expect(dataOf(await stack.t.gql(DELETE_ENDPOINT, { id: created.webhookEndpoint.id }, stack.t.adminKey)).deleteWebhookEndpoint.userErrors).toEqual([]);
      expect(dataOf(await stack.t.gql(REDELIVER, { id: deliveryId }, stack.t.adminKey)).redeliverWebhook.userErrors).toEqual([]);
    });
  });

  it('bad input comes back as userErrors naming the field, and nothing is stored', async () => {
    const b = await freshShop();
    const cases: Array<[Record<string, unknown>, string, string[], RegExp]> = [
      [{ url: 'not a url' }, 'WEBHOOK_URL_NOT_ALLOWED', ['input', 'url'], /does not parse/],
      [{ url: 'ftp://127.0.0.1/x' }, 'WEBHOOK_URL_NOT_ALLOWED', ['input', 'url'], /http or https/],
      [{ url: 'http://user:pw@127.0.0.1/x' }, 'WEBHOOK_URL_NOT_ALLOWED', ['input', 'url'], /user name or password/],
      [{ url: `https://example.com/${'x'.repeat(2048)}` }, 'WEBHOOK_URL_NOT_ALLOWED', ['input', 'url'], /1-2048 characters/],
      [{ url: receiver.url, description: 'd'.repeat(501) }, 'INVALID_INPUT', ['input', 'description'], /at most 500/],
    ];
    for (const [input, code, field, message] of cases) {
      const res = dataOf(await stack.t.gql(CREATE_ENDPOINT, { input }, b.keys.OPS)).createWebhookEndpoint;
      expect(res).toEqual({ secret: null, webhookEndpoint: null, userErrors: [{ code, field, message: expect.stringMatching(message) }] });
    }
    expect(dataOf(await stack.t.gql(ENDPOINTS, {}, b.keys.OPS)).webhookEndpoints).toEqual([]);
    // an event type that is not an OrderEventType is refused by the schema itself
    const bad = await stack.t.gql(`mutation { createWebhookEndpoint(input: { url: "${receiver.url}", eventTypes: [PAID] }) { secret } }`, {}, b.keys.OPS);
    expect(bad.errors?.[0]).toMatchObject({ message: expect.stringMatching(/PAID/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED', 'ORDER_CREATED'], description: '  ' });
    const listed = await endpointWithDeliveries(stack.t, b.keys.OPS, endpoint.id);
    expect(listed).toMatchObject({ eventTypes: ['ORDER_CREATED'], description: null });
    const badUpdate = dataOf(await stack.t.gql(UPDATE_ENDPOINT, { input: { id: endpoint.id, url: 'gopher://x' } }, b.keys.OPS)).updateWebhookEndpoint;
    expect(badUpdate.userErrors).toEqual([{ code: 'WEBHOOK_URL_NOT_ALLOWED', field: ['input', 'url'], message: expect.any(String) }]);
    expect((await endpointWithDeliveries(stack.t, b.keys.OPS, endpoint.id)).url).toBe(receiver.url);
  });
});
