'use strict';
// Shared constants, statistics and GraphQL documents of the benchmark harness.

const { join } = require('node:path');
const { existsSync } = require('node:fs');
const { execFileSync } = require('node:child_process');

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const DATA_DIR = join(ROOT, 'bench', '.data');

/**
 * Fixed secrets: the seeded databases are cached between runs, so the keys stored in them (as
 * hashes) and the access tokens (encrypted with SECRETS_KEY) must be the same every run.
 * Bench-only values; nothing here is used outside bench/.
 */
const SECRETS = {
  secretsKey: 'be'.repeat(32),
  adminKey: 'bench-admin-key-0123456789abcdef',
  appSecret: 'bench-app-secret-0123456789',
  verifyToken: 'bench-verify-token',
};

/** Business A holds the seeded orders (read-only scenarios); business B takes every write. */
const SEED = {
  version: 2,
  businessA: {
    id: '0b0b0b0b-aaaa-4aaa-8aaa-000000000001',
    name: 'Bench Store A',
    wabaId: '102290129340001',
    phoneId: '0b0b0b0b-aaaa-4aaa-8aaa-000000000011',
    phoneNumberId: '915550000001',
    configurationId: '0b0b0b0b-aaaa-4aaa-8aaa-000000000021',
    configuration: 'bench-razorpay-a',
    keys: {
      STOREFRONT: { id: '0b0b0b0b-aaaa-4aaa-8aaa-000000000031', secret: 'wpg_storefront_bench_a_0123456789abcdefghijkl' },
    },
  },
  businessB: {
    id: '0b0b0b0b-bbbb-4bbb-8bbb-000000000001',
    name: 'Bench Store B',
    wabaId: '102290129340002',
    phoneId: '0b0b0b0b-bbbb-4bbb-8bbb-000000000011',
    phoneNumberId: '915550000002',
    configurationId: '0b0b0b0b-bbbb-4bbb-8bbb-000000000021',
    configuration: 'bench-razorpay-b',
    keys: {
      STOREFRONT: { id: '0b0b0b0b-bbbb-4bbb-8bbb-000000000031', secret: 'wpg_storefront_bench_b_0123456789abcdefghijkl' },
      OPS: { id: '0b0b0b0b-bbbb-4bbb-8bbb-000000000032', secret: 'wpg_ops_bench_b_0123456789abcdefghijklmnopq' },
    },
  },
};

class BenchFailure extends Error {
  constructor(message) {
    super(message);
    this.name = 'BenchFailure';
  }
}

function requireDist(rel) {
  const file = join(DIST, rel);
  if (!existsSync(file)) throw new BenchFailure(`${file} is missing: run \`npm run build\` first (npm run bench does it).`);
  return require(file);
}

let tasksetChecked = null;
function hasTaskset() {
  if (tasksetChecked === null) {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      tasksetChecked = true;
    } catch {
      tasksetChecked = false;
    }
  }
  return tasksetChecked;
}

// ------------------------------------------------------------------ statistics

function sorted(xs) {
  return [...xs].sort((a, b) => a - b);
}

function median(xs) {
  const s = sorted(xs);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function percentile(xs, p) {
  const s = Array.isArray(xs) ? sorted(xs) : xs;
  if (s.length === 0) return NaN;
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank];
}

function summary(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), rounds: xs.map((x) => round(x, 4)) };
}

function round(x, digits = 3) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ GraphQL

const TYPENAME = '{ __typename }';

/** The read scenario's page: what an ops dashboard lists (orders with their items, payment, message and history). */
const READ_PAGE = `query Page($first: Int!, $after: String) {
  orders(first: $first, after: $after) {
    edges {
      cursor
      node {
        id referenceId status to createdAt
        total { value offset currency }
        items { retailerId name quantity amount { value offset } total { value } }
        payment { status verified amount { value } transactions { id status method amount { value } } }
        message { status wamid attempts }
        events { id type fromStatus toStatus at }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

const SEND = `mutation Send($input: SendOrderDetailsInput!) {
  sendOrderDetails(input: $input) {
    order { id referenceId status total { value } message { status wamid } payment { status } }
    userErrors { code message field }
  }
}`;

const UPDATE = `mutation Update($input: UpdateOrderStatusInput!) {
  updateOrderStatus(input: $input) {
    order { referenceId status }
    userErrors { code message field }
  }
}`;

const STATUS_SUBSCRIPTION = `subscription { orderStatusChanged { eventId referenceId from to source at } }`;
const PAYMENT_SUBSCRIPTION = `subscription { paymentStatusChanged { referenceId to verified } }`;

/** A valid sendOrderDetails input for business B (the wire sample's order, like test/helpers/stack.ts). */
function orderInput(referenceId) {
  return {
    referenceId,
    phoneNumberId: SEED.businessB.phoneNumberId,
    to: '919876543210',
    type: 'PHYSICAL_GOODS',
    paymentConfiguration: SEED.businessB.configuration,
    body: 'Your order is ready. Tap Review and Pay.',
    footer: 'Example Store',
    items: [
      {
        retailerId: 'SKU-1',
        name: 'Cotton T-shirt',
        amount: { value: 25000, offset: 100 },
        saleAmount: { value: 22500, offset: 100 },
        quantity: 2,
        countryOfOrigin: 'India',
        importerName: 'Example Store Pvt Ltd',
        importerAddress: { addressLine1: '12 MG Road', city: 'Bengaluru', zoneCode: 'KA', postalCode: '560001', countryCode: 'IN' },
      },
    ],
    tax: { value: 8100, offset: 100, description: 'GST 18%' },
    shipping: { value: 4000, offset: 100, description: 'Standard' },
    discount: { value: 5100, offset: 100, description: 'WELCOME', programName: 'Welcome offer' },
  };
}

/** POST /graphql; throws on a non-2xx answer, a GraphQL error or (with checkUserErrors) a userError. */
async function gql(url, key, query, variables = {}, { checkUserErrors = true } = {}) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  if (!res.ok) throw new BenchFailure(`HTTP ${res.status} from ${url}/graphql: ${text.slice(0, 500)}`);
  const body = JSON.parse(text);
  if (body.errors?.length) throw new BenchFailure(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 1000)}`);
  if (checkUserErrors) {
    for (const payload of Object.values(body.data ?? {})) {
      if (payload && Array.isArray(payload.userErrors) && payload.userErrors.length) {
        throw new BenchFailure(`userErrors: ${JSON.stringify(payload.userErrors)}`);
      }
    }
  }
  return body.data;
}

/** The cursor of the page after `order` (mirrors encodeCursor in src/services/order-queries.ts). */
function cursorOf(createdAtMs, id) {
  return Buffer.from(JSON.stringify([createdAtMs, id])).toString('base64url');
}

module.exports = {
  ROOT,
  DIST,
  DATA_DIR,
  SECRETS,
  SEED,
  BenchFailure,
  requireDist,
  hasTaskset,
  median,
  percentile,
  summary,
  round,
  sleep,
  TYPENAME,
  READ_PAGE,
  SEND,
  UPDATE,
  STATUS_SUBSCRIPTION,
  PAYMENT_SUBSCRIPTION,
  orderInput,
  gql,
  cursorOf,
};
