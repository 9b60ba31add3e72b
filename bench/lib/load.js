'use strict';
// Load generation: autocannon for HTTP, with every answer checked (a non-2xx status, a GraphQL
// error or a failed body check fails the whole run: a fast error is not a result).

const http = require('node:http');
const autocannon = require('autocannon');
const { BenchFailure, summary } = require('./common');
const { post } = require('./timed');

/**
 * One autocannon run against POST /graphql. `body` is a fixed request body, or `makeBody()` builds
 * a fresh one per request (unique reference ids). `check(body)` must return true for a good answer;
 * by default an answer carrying "errors" is bad.
 */
async function cannon({ url, key, body, makeBody, connections, duration, amount, check, label }) {
  // no key: a server without API keys (PostGraphile refuses an Authorization header it cannot verify)
  const headers = { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
  let bad = null;
  const verify = (text) => {
    const ok = check ? check(text) : !text.includes('"errors":[');
    if (!ok && !bad) bad = text.slice(0, 800);
    return ok;
  };
  const request = { method: 'POST', path: '/graphql', headers };
  if (makeBody) {
    request.setupRequest = (req) => ({ ...req, body: makeBody() });
  } else {
    request.body = body;
  }
  const result = await autocannon({
    url,
    connections,
    ...(amount ? { amount } : { duration }),
    requests: [request],
    verifyBody: verify,
    timeout: 30,
  });
  const failures = [];
  if (result.non2xx) failures.push(`${result.non2xx} non-2xx answers`);
  if (result.errors) failures.push(`${result.errors} connection errors`);
  if (result.timeouts) failures.push(`${result.timeouts} timeouts`);
  if (result.mismatches) failures.push(`${result.mismatches} answers failed the check (first: ${bad})`);
  if (result.requests.total === 0) failures.push('no request completed');
  if (failures.length) throw new BenchFailure(`${label ?? 'load'}: ${failures.join('; ')}`);
  const seconds = result.duration;
  return {
    rps: result.requests.total / seconds,
    total: result.requests.total,
    seconds,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, mean: result.latency.mean },
  };
}

/**
 * Throughput of `connections` clients each sending its next request when the previous answer
 * arrived, for at least `seconds` and at least `minRequests` answers: a fixed duration alone
 * would count nothing on a busy machine when one answer takes longer than the round (pages of
 * every relation take the gateway hundreds of ms under load). Every answer is checked as cannon's.
 */
async function closedLoop({ url, key, makeBody, connections, seconds, minRequests = connections * 2, check, label }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const send = (body) => post(agent, url, key, body);
  let done = 0;
  let last = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const client = async () => {
    while (performance.now() < until || done < minRequests) {
      const res = await send(makeBody());
      const ok = res.status >= 200 && res.status < 300 && !res.text.includes('"errors":[') && (!check || check(res.text));
      if (!ok) throw new BenchFailure(`${label ?? 'load'}: HTTP ${res.status}, a bad answer: ${res.text.slice(0, 800)}`);
      done++;
      last = performance.now();
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, client));
  } finally {
    agent.destroy();
  }
  const elapsed = (last - started) / 1000;
  return { rps: done / elapsed, total: done, seconds: elapsed };
}

/**
 * A warm-up of both (discarded), then `rounds` rounds alternating which goes first (floor, value;
 * value, floor; ...), so drift on a shared machine hits both sides alike.
 * Returns per-round pairs and the median/min/max of value, floor and value/floor.
 */
async function interleaved({ rounds, floor, value, ratio = (v, f) => v / f, log }) {
  log?.('    warm-up (discarded)');
  await floor(0);
  await value(0);
  const floors = [];
  const values = [];
  for (let r = 1; r <= rounds; r++) {
    let f;
    let v;
    if (r % 2 === 1) {
      f = await floor(r);
      v = await value(r);
    } else {
      v = await value(r);
      f = await floor(r);
    }
    floors.push(f);
    values.push(v);
    log?.(`    round ${r}: value ${fmt(v)}  floor ${fmt(f)}  ratio ${fmt(ratio(v, f))}`);
  }
  const ratios = values.map((v, i) => ratio(v, floors[i]));
  return { values: summary(values), floors: summary(floors), ratios: summary(ratios) };
}

function fmt(x) {
  return Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(3)) : String(x);
}

module.exports = { cannon, closedLoop, interleaved, fmt };
