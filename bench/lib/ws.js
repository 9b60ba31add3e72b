'use strict';
// graphql-ws clients for the subscription scenarios: many connections from one process, each
// subscription's messages handed to a callback with the time they arrived.

const { createClient } = require('graphql-ws');
const WebSocket = require('ws');
const { BenchFailure } = require('./common');

/** Opens `count` graphql-ws connections (in batches) and resolves when all are acknowledged. */
async function connectClients(httpUrl, key, count, batch = 100) {
  const clients = [];
  for (let i = 0; i < count; i += batch) {
    const opened = [];
    for (let j = i; j < Math.min(count, i + batch); j++) {
      let resolve;
      let reject;
      const acked = new Promise((res, rej) => ((resolve = res), (reject = rej)));
      const client = createClient({
        url: httpUrl.replace(/^http/, 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        lazy: false,
        retryAttempts: 0,
        keepAlive: 0,
        on: {
          connected: () => resolve(),
          closed: (event) => reject(new BenchFailure(`a subscriber's connection closed: ${event?.code} ${event?.reason}`)),
        },
        onNonLazyError: (err) => reject(new BenchFailure(`a subscriber could not connect: ${err?.message ?? err?.reason ?? err}`)),
      });
      clients.push(client);
      opened.push(acked);
    }
    await Promise.all(opened);
  }
  return clients;
}

/**
 * Subscribes `client` to `query`; onData(data, receivedAtMs) per message. Any error message fails
 * the run (reported through `fail`). Returns the unsubscribe function.
 */
function subscribe(client, query, onData, fail) {
  return client.subscribe(
    { query },
    {
      next: (value) => {
        const at = performance.now();
        if (value.errors?.length) fail(new BenchFailure(`subscription error: ${JSON.stringify(value.errors).slice(0, 500)}`));
        else onData(value.data, at);
      },
      error: (err) => fail(new BenchFailure(`subscription failed: ${JSON.stringify(err)?.slice(0, 500) ?? err}`)),
      complete: () => undefined,
    },
  );
}

async function closeClients(clients) {
  await Promise.all(clients.map((c) => c.dispose()));
}

module.exports = { connectClients, subscribe, closeClients };
