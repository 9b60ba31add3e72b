'use strict';
// 5. fan-out: N graphql-ws subscribers of one business watch orderStatusChanged while an ops
// client makes M status changes, one after the other. Every subscriber must receive every change
// (N x M deliveries). Reported: p99 latency (from sending the mutation to the subscriber's
// receipt) at N subscribers over the same at 1 subscriber, and deliveries/s.

const { BenchFailure, SEED, STATUS_SUBSCRIPTION, UPDATE, gql, percentile, median, round, sleep } = require('../lib/common');
const { interleaved } = require('../lib/load');
const { connectClients, subscribe, closeClients } = require('../lib/ws');
const { entry } = require('../lib/results');

async function fanout(ctx) {
  const { gateway, opts, log } = ctx;
  const { subscribers, changes } = opts.fanout;
  const key = SEED.businessB.keys.OPS.secret;
  const orders = await ctx.takeRefs(changes + 1);
  const probe = orders.pop();
  const status = new Map(orders.map((ref) => [ref, 'PENDING']));
  status.set(probe, 'PENDING');
  const nextStatus = (ref) => (status.get(ref) === 'PROCESSING' ? 'SHIPPED' : 'PROCESSING');
  const change = async (ref) => {
    const to = nextStatus(ref);
    await gql(gateway.url, key, UPDATE, { input: { referenceId: ref, status: to } });
    status.set(ref, to);
  };

  log(`    connecting ${subscribers} subscribers`);
  const clients = await connectClients(gateway.url, key, subscribers);
  let failure = null;
  const fail = (err) => (failure ??= err);
  const perSecond = { 1: [], [subscribers]: [] };

  /** One measurement: `n` subscribers, `changes` status changes; returns the p99 latency (ms). */
  const measure = async (n) => {
    let sendTimes = new Map();
    const latencies = [];
    let probeSeen = 0;
    let probeKey = null;
    let lastAt = 0;
    const onData = (data, at) => {
      const e = data.orderStatusChanged;
      const k = `${e.referenceId}:${e.to}`;
      if (k === probeKey) return void probeSeen++;
      const sent = sendTimes.get(k);
      if (sent === undefined) return; // a late copy of an earlier measurement cannot happen: each waits for all of its own
      latencies.push(at - sent);
      lastAt = Math.max(lastAt, at);
    };
    const unsubscribes = clients.slice(0, n).map((c) => subscribe(c, STATUS_SUBSCRIPTION, onData, fail));
    try {
      // the subscriptions are live once a probe change reaches all of them
      probeKey = `${probe}:${nextStatus(probe)}`;
      await change(probe);
      const probeDeadline = Date.now() + 60_000;
      while (probeSeen < n && Date.now() < probeDeadline && !failure) await sleep(10);
      if (failure) throw failure;
      if (probeSeen < n) throw new BenchFailure(`fan-out: only ${probeSeen} of ${n} subscribers got the probe change`);

      const t0 = performance.now();
      for (const ref of orders) {
        sendTimes.set(`${ref}:${nextStatus(ref)}`, performance.now());
        await change(ref);
      }
      const expected = n * orders.length;
      const deadline = Date.now() + opts.settleSeconds * 1000;
      while (latencies.length < expected && Date.now() < deadline && !failure) await sleep(10);
      if (failure) throw failure;
      if (latencies.length !== expected) {
        throw new BenchFailure(`fan-out: ${latencies.length} of ${expected} deliveries arrived (${n} subscribers x ${orders.length} changes)`);
      }
      perSecond[n].push(expected / ((lastAt - t0) / 1000));
      return percentile(latencies, 99);
    } finally {
      for (const u of unsubscribes) u();
      sendTimes = new Map();
      await sleep(100);
    }
  };

  try {
    const r = await interleaved({ rounds: opts.rounds, log, floor: () => measure(1), value: () => measure(subscribers) });
    return entry({
      name: 'fanout',
      database: ctx.dialect,
      description: `p99 delivery latency at ${subscribers} subscribers vs 1 subscriber, ${changes} status changes each (all ${subscribers * changes} deliveries must arrive)`,
      unit: 'ms',
      r,
      target: { op: '<=', value: 5 },
      extra: {
        subscribers,
        changes,
        deliveriesPerRound: subscribers * changes,
        lost: 0,
        deliveriesPerSecond: round(median(perSecond[subscribers].slice(1)), 0),
        deliveriesPerSecondAt1: round(median(perSecond[1].slice(1)), 0),
        note: `${subscribers * changes} of ${subscribers * changes} delivered per round; ${Math.round(median(perSecond[subscribers].slice(1)))} deliveries/s`,
      },
    });
  } finally {
    await closeClients(clients);
  }
}

module.exports = { fanout };
