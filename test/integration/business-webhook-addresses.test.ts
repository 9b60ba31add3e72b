// SSRF: a business's webhook URL is an address the gateway calls from inside its own network. With
// OUTBOUND_WEBHOOKS_ALLOW_PRIVATE unset (false outside the sandbox) only https to public addresses
// is allowed, checked when the endpoint is saved and again on every attempt, against the address
// actually connected to. Names are mapped to addresses by stubbing the resolver the gateway uses
// (node:dns lookup), so a name can move to 127.0.0.1 between the save and the attempt.
import dns from 'node:dns';
import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CREATE_ENDPOINT, createEndpoint, deliveriesOf, ENDPOINTS } from '../helpers/business-webhooks';
import { createBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { Receiver } from '../helpers/receiver';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import { sendOrder } from '../helpers/webhooks';

/** What the stubbed resolver answers for names under .test (everything else resolves as usual). */
const names = new Map<string, string[]>();
const realLookup = dns.lookup;

function stubResolver(): void {
  jest.spyOn(dns, 'lookup').mockImplementation(((hostname: string, options: any, callback: any) => {
    if (typeof options === 'function') [callback, options] = [options, {}];
    const mapped = names.get(hostname.toLowerCase());
    if (!hostname.endsWith('.test') || !mapped) return (realLookup as any)(hostname, options, callback);
    if (mapped.length === 0) return process.nextTick(() => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })));
    const all = mapped.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    process.nextTick(() => (options?.all ? callback(null, all) : callback(null, all[0].address, all[0].family)));
  }) as typeof dns.lookup);
}

describe('webhook URLs the gateway refuses to call (OUTBOUND_WEBHOOKS_ALLOW_PRIVATE=false)', () => {
  let stack: TestStack;
  /** a TCP listener on 127.0.0.1 that counts every connection: a refused address must never reach it */
  let trap: Server;
  const connections: Socket[] = [];
  let trapPort: number;

  beforeAll(async () => {
    stubResolver();
    stack = await startTestStack();
    expect(stack.t.gateway.config.outboundWebhooksAllowPrivate).toBe(false);
    trap = createServer((s) => {
      connections.push(s);
      s.destroy();
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', () => r()));
    trapPort = (trap.address() as AddressInfo).port;
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await new Promise((r) => trap.close(r));
    await stack.stop();
  });

  const create = async (url: string) => dataOf(await stack.t.gql(CREATE_ENDPOINT, { input: { url } }, stack.shop.keys.OPS)).createWebhookEndpoint;

  it('http is refused: https only', async () => {
    names.set('shop.public.test', ['93.184.216.34']);
    const res = await create('http://shop.public.test/hooks');
    expect(res).toEqual({
      secret: null,
      webhookEndpoint: null,
      userErrors: [{ code: 'WEBHOOK_URL_NOT_ALLOWED', field: ['input', 'url'], message: expect.stringMatching(/url must be https/) }],
    });
  });

  // every range the gateway must not call, as IP literals (and the spellings URL parsing turns into them)
  const literals: Array<[string, string]> = [
    ['https://127.0.0.1/hooks', 'loopback'],
    ['https://127.8.9.10/hooks', 'loopback'],
    ['https://2130706433/hooks', 'loopback'],
    ['https://0x7f.1/hooks', 'loopback'],
    ['https://10.0.0.1/hooks', 'private'],
    ['https://172.16.0.1/hooks', 'private'],
    ['https://172.31.255.254/hooks', 'private'],
    ['https://192.168.1.20/hooks', 'private'],
    ['https://169.254.169.254/latest/meta-data/', 'linkLocal'],
    ['https://100.64.0.1/hooks', 'carrierGradeNat'],
    ['https://100.127.255.254/hooks', 'carrierGradeNat'],
    ['https://0.0.0.0/hooks', 'unspecified'],
    ['https://224.0.0.1/hooks', 'multicast'],
    ['https://239.255.255.250/hooks', 'multicast'],
    ['https://255.255.255.255/hooks', 'broadcast'],
    ['https://240.0.0.1/hooks', 'reserved'],
    ['https://[::1]/hooks', 'loopback'],
    ['https://[::]/hooks', 'unspecified'],
    ['https://[fe80::1]/hooks', 'linkLocal'],
    ['https://[fc00::1]/hooks', 'uniqueLocal'],
    ['https://[fd12:3456:789a::1]/hooks', 'uniqueLocal'],
    ['https://[ff02::1]/hooks', 'multicast'],
    ['https://[::ffff:127.0.0.1]/hooks', 'loopback'],
    ['https://[::ffff:10.1.2.3]/hooks', 'private'],
    ['https://[::ffff:169.254.169.254]/hooks', 'linkLocal'],
    ['https://[64:ff9b::7f00:1]/hooks', 'rfc6052'],
    ['https://[2002:7f00:1::1]/hooks', '6to4'],
  ];
  it.each(literals)('%s is refused (%s)', async (url, range) => {
    const res = await create(url);
    expect(res.userErrors).toEqual([
      { code: 'WEBHOOK_URL_NOT_ALLOWED', field: ['input', 'url'], message: expect.stringContaining(`(${range})`) },
    ]);
    expect(res.webhookEndpoint).toBeNull();
  });

  it.each([
    ['localhost', 'https://localhost/hooks', null, 'loopback'],
    ['a name mapped to loopback', 'https://shop.loop.test/hooks', ['127.0.0.1'], 'loopback'],
    ['a name mapped to a private address', 'https://billing.corp.test:8443/hooks', ['10.20.30.40'], 'private'],
    ['a name mapped to the cloud metadata address', 'https://meta.test/', ['169.254.169.254'], 'linkLocal'],
    ['a name mapped to IPv6 loopback', 'https://v6.loop.test/hooks', ['::1'], 'loopback'],
    ['a name with one public and one private address', 'https://mixed.test/hooks', ['93.184.216.34', '192.168.0.10'], 'private'],
  ] as const)('%s is refused when saved', async (_name, url, addresses, range) => {
    if (addresses) names.set(new URL(url).hostname, [...addresses]);
    const res = await create(url);
    expect(res.userErrors).toEqual([{ code: 'WEBHOOK_URL_NOT_ALLOWED', field: ['input', 'url'], message: expect.stringContaining(`(${range}) for ${new URL(url).hostname}`) }]);
  });

  it('a name that does not resolve is refused, saying so', async () => {
    names.set('gone.test', []);
    const res = await create('https://gone.test/hooks');
    expect(res.userErrors).toEqual([{ code: 'WEBHOOK_URL_NOT_ALLOWED', field: ['input', 'url'], message: expect.stringMatching(/gone.test does not resolve \(ENOTFOUND\)/) }]);
  });

  it('a public https address is accepted', async () => {
    names.set('shop.public.test', ['93.184.216.34', '2606:2800:220:1::1']);
    const res = await create('https://shop.public.test/hooks');
    expect(res.userErrors).toEqual([]);
    expect(res.webhookEndpoint.url).toBe('https://shop.public.test/hooks');
    expect((await create('https://93.184.216.34/hooks')).userErrors).toEqual([]);
    dataOf(await stack.t.gql(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { userErrors { code } } }`, { id: res.webhookEndpoint.id }, stack.shop.keys.OPS));
  });

  it('a name that moves to 127.0.0.1 after it was saved (DNS rebinding) is refused on the attempt, and nothing connects', async () => {
    const b = await createBusiness(stack.t);
    names.set('rebind.test', ['93.184.216.34']);
    const endpoint = await createEndpoint(stack.t, b.keys.OPS, { url: `https://rebind.test:${trapPort}/hooks`, eventTypes: ['ORDER_CREATED'] });
    names.set('rebind.test', ['127.0.0.1']);
    await sendOrder(stack.t, b);
    const [d] = await eventually(async () => {
      const list = await deliveriesOf(stack.t, b.keys.OPS, endpoint.id);
      expect(list[0]?.attempts).toBeGreaterThanOrEqual(2);
      return list;
    });
    expect(d).toMatchObject({ status: 'PENDING', lastStatusCode: null, lastError: 'refused address 127.0.0.1 (loopback) for rebind.test' });
    expect(d.attemptLog[0]).toMatchObject({ statusCode: null, error: 'refused address 127.0.0.1 (loopback) for rebind.test' });
    expect(connections).toHaveLength(0);
    const metrics = await (await fetch(`${stack.t.url}/metrics`)).text();
    expect(metrics).toMatch(/wpg_business_webhook_attempts_total\{result="refused_address"\} [1-9]/);
    dataOf(await stack.t.gql(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { userErrors { code } } }`, { id: endpoint.id }, b.keys.OPS));
  });

  it('an endpoint saved while private addresses were allowed is refused on every attempt once they are not', async () => {
    const receiver = await new Receiver().start();
    try {
      await stack.t.restart({ OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: 'true' });
      const b = await createBusiness(stack.t);
      const plain = await createEndpoint(stack.t, b.keys.OPS, { url: receiver.url, eventTypes: ['ORDER_CREATED'] });
      const local = await createEndpoint(stack.t, b.keys.OPS, { url: `https://127.0.0.1:${trapPort}/hooks`, eventTypes: ['ORDER_CREATED'] });
      await stack.t.restart({ OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: 'false' });
      await sendOrder(stack.t, b);
      const [p] = await eventually(async () => {
        const list = await deliveriesOf(stack.t, b.keys.OPS, plain.id);
        expect(list[0]?.attempts).toBeGreaterThanOrEqual(1);
        return list;
      });
      expect(p.lastError).toBe('refused: only https URLs are called (got http:)');
      const [l] = await eventually(async () => {
        const list = await deliveriesOf(stack.t, b.keys.OPS, local.id);
        expect(list[0]?.attempts).toBeGreaterThanOrEqual(1);
        return list;
      });
      expect(l.lastError).toBe('refused address 127.0.0.1 (loopback)');
      expect(receiver.received).toEqual([]);
      expect(connections).toHaveLength(0);
      const listed = dataOf(await stack.t.gql(ENDPOINTS, { first: 1 }, b.keys.OPS)).webhookEndpoints;
      expect(listed).toHaveLength(2);
    } finally {
      await receiver.stop();
    }
  });
});
