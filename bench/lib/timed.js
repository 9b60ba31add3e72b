'use strict';
// Sequential requests on one keep-alive connection, each timed with the monotonic clock: the
// latency of one request at a time, without a load generator's own queueing in the way.

const http = require('node:http');
const { BenchFailure } = require('./common');

/** One POST /graphql on `agent` (no Authorization header when `key` is null); resolves with the status and the whole body. */
function post(agent, url, key, body) {
  const u = new URL('/graphql', url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        hostname: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Latencies (ms) of sequential requests for `seconds`, every answer checked. */
async function sequentialLatencies({ url, key, body, seconds, check, label }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies = [];
  const until = performance.now() + seconds * 1000;
  try {
    while (performance.now() < until) {
      const t0 = performance.now();
      const res = await post(agent, url, key, body);
      const ms = performance.now() - t0;
      if (res.status < 200 || res.status > 299) throw new BenchFailure(`${label}: HTTP ${res.status}: ${res.text.slice(0, 500)}`);
      if (res.text.includes('"errors":[') || (check && !check(res.text))) throw new BenchFailure(`${label}: bad answer: ${res.text.slice(0, 800)}`);
      latencies.push(ms);
    }
  } finally {
    agent.destroy();
  }
  return latencies;
}

module.exports = { sequentialLatencies, post };
