'use strict';
// 6. business webhooks: an ops client changes the status of `changes` orders (8 at a time); every
// change is an ORDER_STATUS_CHANGED event that the gateway delivers, signed, to each of N webhook
// endpoints of the business (N = 1, 10, 100), all served by one receiver in this process (one
// loopback address per endpoint, as distinct hosts would be). The floor is the subscription
// fan-out of the same events: N graphql-ws subscribers of orderStatusChanged. Reported per N:
// deliveries/s and the latency from sending the mutation to the receipt (p50, p99), for both.
// Every delivery must arrive (lost = 0); the entry's value and floor are the figures at N = 100.

const { createServer } = require('node:http');
const { Webhook } = require('standardwebhooks');
const { BenchFailure, SEED, STATUS_SUBSCRIPTION, UPDATE, gql, percentile, round, sleep } = require('../lib/common');
const { interleaved } = require('../lib/load');
const { connectClients, subscribe, closeClients } = require('../lib/ws');
const { entry } = require('../lib/results');

const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret webhookEndpoint { id } userErrors { code message } } }`;
const SET_ENABLED = `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { webhookEndpoint { id } userErrors { code message } } }`;
const IN_FLIGHT = 8;

async function businessWebhooks(ctx) {
  const { gateway, opts, log } = ctx;
  const counts = opts.businessWebhooks.endpoints;
  const changes = opts.businessWebhooks.changes;
  const key = SEED.businessB.keys.OPS.secret;
  const orders = await ctx.takeRefs(changes);
  const status = new Map(orders.map((ref) => [ref, 'PENDING']));
  const nextStatus = (ref) => (status.get(ref) === 'PROCESSING' ? 'SHIPPED' : 'PROCESSING');

  // the storefronts' receiver: answers 204 at once, verifies the first signature of every round
  let onDelivery = null;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(204).end();
      onDelivery?.(req, Buffer.concat(chunks).toString('utf8'), at);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((r) => server.listen(0, '0.0.0.0', r));
  const port = server.address().port;

  const endpoints = [];
  const clients = await connectClients(gateway.url, key, Math.max(...counts));
  let failure = null;
  const fail = (err) => (failure ??= err);
  const setEnabled = async (list, enabled) => {
    for (const e of list) await gql(gateway.url, key, SET_ENABLED, { input: { id: e.id, enabled } });
  };
  /** One round: every order changes once, IN_FLIGHT at a time; resolves with the send time of each change. */
  const changeAll = async (sent) => {
    let i = 0;
    const worker = async () => {
      while (i < orders.length) {
        const ref = orders[i++];
        const to = nextStatus(ref);
        sent.set(`${ref}:${to}`, performance.now());
        await gql(gateway.url, key, UPDATE, { input: { referenceId: ref, status: to } });
        status.set(ref, to);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  };
  /** Waits for `expected` receipts; returns deliveries/s from the first send, and the latencies. */
  const settle = async (label, latencies, expected, t0, lastAt) => {
    const deadline = Date.now() + opts.settleSeconds * 1000;
    while (latencies.length < expected && Date.now() < deadline && !failure) await sleep(10);
    if (failure) throw failure;
    if (latencies.length !== expected) throw new BenchFailure(`business webhooks: ${label}: ${latencies.length} of ${expected} deliveries arrived`);
    return expected / ((lastAt() - t0) / 1000);
  };

  const figures = {};
  try {
    for (const n of counts) {
      while (endpoints.length < n) {
        const i = endpoints.length;
        // 127.0.0.x: one host per endpoint, so each gets the connections a host of its own would
        const url = `http://127.0.0.${(i % 250) + 1}:${port}/hooks/${i}`;
        const created = (await gql(gateway.url, key, CREATE, { input: { url, eventTypes: ['ORDER_STATUS_CHANGED'] } })).createWebhookEndpoint;
        endpoints.push({ id: created.webhookEndpoint.id, secret: created.secret, enabled: true });
      }
      const active = endpoints.slice(0, n);
      const secretOf = new Map(active.map((e, i) => [`/hooks/${i}`, e.secret]));
      const lat = { webhooks: [], subscriptions: [] };

      const webhooksRound = async (round) => {
        await setEnabled(active.filter((e) => !e.enabled), true);
        active.forEach((e) => (e.enabled = true));
        const sent = new Map();
        const latencies = [];
        let lastAt = 0;
        let verified = false;
        onDelivery = (req, body, at) => {
          const e = JSON.parse(body);
          const t = sent.get(`${e.data.referenceId}:${e.data.toStatus}`);
          if (t === undefined) return;
          if (!verified) {
            // the signature checks out with the reference library (once a round: it is pure JS)
            new Webhook(secretOf.get(req.url)).verify(body, req.headers);
            verified = true;
          }
          latencies.push(at - t);
          lastAt = Math.max(lastAt, at);
        };
        const t0 = performance.now();
        await changeAll(sent);
        const perSecond = await settle(`${n} endpoints`, latencies, n * orders.length, t0, () => lastAt);
        onDelivery = null;
        if (round > 0) lat.webhooks.push(...latencies);
        // the next side must not pay for these endpoints
        await setEnabled(active, false);
        active.forEach((e) => (e.enabled = false));
        return perSecond;
      };

      const subscriptionsRound = async (round) => {
        const sent = new Map();
        const latencies = [];
        let lastAt = 0;
        let probe = null;
        let probeSeen = 0;
        const onData = (data, at) => {
          const e = data.orderStatusChanged;
          const k = `${e.referenceId}:${e.to}`;
          if (k === probe) return void probeSeen++;
          const t = sent.get(k);
          if (t === undefined) return;
          latencies.push(at - t);
          lastAt = Math.max(lastAt, at);
        };
        const unsubscribes = clients.slice(0, n).map((c) => subscribe(c, STATUS_SUBSCRIPTION, onData, fail));
        try {
          // live once a probe change reaches every subscriber
          const ref = orders[0];
          probe = `${ref}:${nextStatus(ref)}`;
          await gql(gateway.url, key, UPDATE, { input: { referenceId: ref, status: nextStatus(ref) } });
          status.set(ref, nextStatus(ref));
          const until = Date.now() + 60_000;
          while (probeSeen < n && Date.now() < until && !failure) await sleep(10);
          if (probeSeen < n) throw new BenchFailure(`business webhooks: only ${probeSeen} of ${n} subscribers got the probe`);
          const t0 = performance.now();
          await changeAll(sent);
          const perSecond = await settle(`${n} subscribers`, latencies, n * orders.length, t0, () => lastAt);
          if (round > 0) lat.subscriptions.push(...latencies);
          return perSecond;
        } finally {
          for (const u of unsubscribes) u();
          await sleep(100);
        }
      };

      log(`    ${n} endpoint(s) vs ${n} subscriber(s), ${orders.length} status changes a round`);
      const r = await interleaved({ rounds: opts.rounds, log, floor: subscriptionsRound, value: webhooksRound });
      figures[n] = {
        webhooks: { deliveriesPerSecond: round(r.values.median, 0), p50Ms: round(percentile(lat.webhooks, 50), 1), p99Ms: round(percentile(lat.webhooks, 99), 1) },
        subscriptions: { deliveriesPerSecond: round(r.floors.median, 0), p50Ms: round(percentile(lat.subscriptions, 50), 1), p99Ms: round(percentile(lat.subscriptions, 99), 1) },
        r,
      };
      log(`    => ${n}: webhooks ${JSON.stringify(figures[n].webhooks)}; subscriptions ${JSON.stringify(figures[n].subscriptions)}`);
    }
  } finally {
    onDelivery = null;
    await closeClients(clients);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }

  const top = Math.max(...counts);
  const note = counts
    .map((n) => {
      const f = figures[n];
      return `${n}: ${f.webhooks.deliveriesPerSecond}/s p50 ${f.webhooks.p50Ms} p99 ${f.webhooks.p99Ms} ms (ws ${f.subscriptions.deliveriesPerSecond}/s p50 ${f.subscriptions.p50Ms} p99 ${f.subscriptions.p99Ms})`;
    })
    .join('; ');
  return entry({
    name: 'business-webhooks',
    database: ctx.dialect,
    description: `signed webhook deliveries/s to ${counts.join(', ')} endpoints vs the subscription fan-out of the same ${changes} status changes to as many subscribers (value and floor at ${top})`,
    unit: 'deliveries/s',
    r: figures[top].r,
    target: { op: '>=', value: 0 },
    pass: true,
    extra: {
      target: 'lost == 0',
      lost: 0,
      changesPerRound: changes,
      byEndpoints: Object.fromEntries(counts.map((n) => [n, { webhooks: figures[n].webhooks, subscriptions: figures[n].subscriptions }])),
      note,
    },
  });
}

module.exports = { businessWebhooks };
