'use strict';
// 4. webhooks: the simulated customers pay distinct orders; the simulator posts one signed
// payment webhook each; the gateway stores it, answers, verifies the payment through the
// simulator's lookup API and records CAPTURED. Measured from the first webhook to the last
// capture seen by a subscriber; every payment must end CAPTURED (lost = 0).

const { BenchFailure, PAYMENT_SUBSCRIPTION, SEED, TYPENAME, median, round, sleep } = require('../lib/common');
const { cannon, interleaved } = require('../lib/load');
const { connectClients, subscribe, closeClients } = require('../lib/ws');
const { entry } = require('../lib/results');

async function webhooks(ctx) {
  const { gateway, opts, log, sim } = ctx;
  const batch = opts.webhookBatch;
  const needed = batch * (opts.rounds + 1);
  const refs = await ctx.takeRefs(needed);
  let failure = null;
  const fail = (err) => (failure ??= err);
  const captured = new Map();
  const [client] = await connectClients(gateway.url, SEED.businessB.keys.OPS.secret, 1);
  const unsubscribe = subscribe(
    client,
    PAYMENT_SUBSCRIPTION,
    (data, at) => {
      const e = data.paymentStatusChanged;
      if (e.to === 'CAPTURED' && e.verified && !captured.has(e.referenceId)) captured.set(e.referenceId, at);
    },
    fail,
  );
  await sleep(200);
  let lost = 0;
  const spans = [];
  let next = 0;
  const floorBody = JSON.stringify({ query: TYPENAME });
  try {
    const r = await interleaved({
      rounds: opts.rounds,
      log,
      floor: () =>
        cannon({ url: gateway.url, key: SEED.businessB.keys.STOREFRONT.secret, body: floorBody, connections: opts.connections, duration: opts.httpSeconds, label: 'webhooks floor' }).then((x) => x.rps),
      value: async () => {
        const mine = refs.slice(next, next + batch);
        next += batch;
        const t0 = performance.now();
        let i = 0;
        // the simulator's customers pay with some concurrency, as many phones would
        const payer = async () => {
          while (i < mine.length) {
            const ref = mine[i++];
            const { webhook } = await sim.pay(ref, 'captured');
            if (!webhook?.delivered || webhook.status !== 200) {
              throw new BenchFailure(`webhooks: the gateway answered ${webhook?.status} to a payment webhook (${webhook?.error ?? 'no error'})`);
            }
          }
        };
        await Promise.all(Array.from({ length: opts.connections }, payer));
        const deadline = Date.now() + opts.settleSeconds * 1000;
        while (mine.some((ref) => !captured.has(ref)) && Date.now() < deadline && !failure) await sleep(20);
        if (failure) throw failure;
        const missing = mine.filter((ref) => !captured.has(ref));
        lost += missing.length;
        if (missing.length) log(`    ${missing.length} payments never reached CAPTURED (e.g. ${missing.slice(0, 3).join(', ')})`);
        const last = Math.max(...mine.filter((ref) => captured.has(ref)).map((ref) => captured.get(ref)));
        const span = last - t0;
        spans.push(span);
        return (mine.length - missing.length) / (span / 1000);
      },
    });
    return entry({
      name: 'webhooks',
      database: ctx.dialect,
      description: `${batch} signed payment webhooks per round, each verified by lookup until CAPTURED: webhooks/s vs { __typename } req/s`,
      unit: 'webhooks/s',
      floorUnit: 'req/s',
      r,
      target: { op: '>=', value: 0 },
      pass: lost === 0,
      extra: {
        target: 'lost == 0',
        lost,
        webhooksPerRound: batch,
        firstWebhookToLastCaptureMs: round(median(spans.slice(1)), 1),
        note: `lost ${lost}; first webhook to last capture ${(median(spans.slice(1)) / 1000).toFixed(2)} s for ${batch}`,
      },
    });
  } finally {
    unsubscribe();
    await closeClients([client]);
  }
}

module.exports = { webhooks };
