// The ops dashboard in Debian's chromium against a sandbox gateway started as `npm start` starts
// it (startGateway with SANDBOX=true: the in-process WhatsApp simulator, the seeded demo business
// and its keys), serving the page `npm run build` built. The browser only ever talks to the
// gateway; the test plays the storefront (GraphQL), the customer (POST /sandbox/pay) and WhatsApp
// (the simulator's switches, a signed error webhook).
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { DEMO } from '../../src/sandbox/seed';
import type { TestBusiness } from '../helpers/fixtures';
import { dataOf, startTestGateway, type TestGateway } from '../helpers/gateway';
import { eventually, orderInput, SEND, UPDATE } from '../helpers/stack';
import { orderStatusErrorWebhook } from '../helpers/webhooks';
import { expectClean, launchBrowser, openPage, type Watched } from './browser';

const XSS = '<img src=x onerror=alert(1)>';
const NOT_VALID = /This API key is not valid/;
/** the one console line a refused key causes: the browser's own note about the 401 answer */
const REFUSED_KEY_NOTICE = /Failed to load resource: the server responded with a status of 401/;

describe('ops dashboard in a real browser (chromium, sandbox gateway)', () => {
  let t: TestGateway;
  let browser: Browser;
  let keys: { ops: string; storefront: string; admin: string };
  const demo = { phoneNumberId: DEMO.phoneNumberId, paymentConfiguration: DEMO.paymentConfiguration } as TestBusiness;
  const run = Math.random().toString(36).slice(2, 6).toUpperCase();
  const open: Watched[] = [];
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    t = await startTestGateway({ SANDBOX: 'true' });
    keys = { ops: t.gateway.sandbox!.opsKey!, storefront: t.gateway.sandbox!.storefrontKey!, admin: t.adminKey };
    // the sandbox's data: a page and a half of orders, some of them paid
    for (let i = 0; i < 40; i++) {
      const ref = await send(`SEED${run}-${String(i).padStart(2, '0')}`);
      if (i % 3 === 0) await pay(ref);
    }
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const w of open.splice(0)) await w.close();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    if (Object.keys(figures).length) process.stdout.write(`dashboard figures: ${JSON.stringify(figures)}\n`);
  });

  async function send(referenceId: string, overrides: Record<string, unknown> = {}): Promise<string> {
    const res = dataOf(await t.gql(SEND, { input: orderInput(demo, { referenceId, ...overrides }) }, keys.storefront)).sendOrderDetails;
    if (res.userErrors.length) throw new Error(`sendOrderDetails refused: ${JSON.stringify(res.userErrors)}`);
    return referenceId;
  }
  /** The customer pays in the simulated WhatsApp, as `npm run sandbox -- pay` does. */
  async function pay(referenceId: string, outcome = 'captured'): Promise<void> {
    const res = await fetch(`${t.url}/sandbox/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.storefront}` },
      body: JSON.stringify({ referenceId, outcome }),
    });
    if (res.status !== 200) throw new Error(`sandbox pay: ${res.status} ${await res.text()}`);
  }
  async function watched(opts: { width?: number; height?: number } = {}): Promise<Watched> {
    const w = await openPage(browser, opts);
    open.push(w);
    return w;
  }
  async function signIn(w: Watched, key: string): Promise<void> {
    await w.page.goto(`${t.url}/`);
    const field = w.page.getByLabel('API key');
    await field.fill(key);
    await field.press('Enter');
    await w.page.getByRole('heading', { name: 'Orders', level: 1 }).waitFor();
  }
  const row = (page: Page, ref: string) => page.locator(`tr[data-reference-id="${ref}"]`);
  const connection = (page: Page) => page.getByTestId('connection');

  it('refuses a wrong key and a revoked key with a message that says the key is not valid', async () => {
    const w = await watched();
    await w.page.goto(`${t.url}/`);
    expect(new URL(w.page.url()).pathname).toBe('/dashboard');
    await w.page.getByLabel('API key').fill('wpg_ops_this-is-not-a-key-0000000000');
    await w.page.getByLabel('API key').press('Enter');
    await expect(w.page.getByRole('alert').textContent()).resolves.toMatch(NOT_VALID);

    const created = dataOf(
      await t.gql(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }`, {
        input: { businessId: dataOf(await t.gql('{ viewer { business { id } } }', {}, keys.ops)).viewer.business.id, role: 'OPS' },
      }),
    ).createApiKey;
    await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } } }`, { id: created.apiKey.id });
    await w.page.getByLabel('API key').fill(created.secret);
    await w.page.getByRole('button', { name: 'Sign in' }).click();
    await w.page.getByText(NOT_VALID).waitFor();
    expect(await w.page.evaluate('sessionStorage.length + localStorage.length')).toBe(0);
    expect(w.consoleErrors.length).toBeGreaterThan(0);
    expectClean(w, t.url, [REFUSED_KEY_NOTICE]);
  });

  it('signs in with Enter and lists the orders newest first with every column, paged; the key stays out of URLs and storage but this tab', async () => {
    const w = await watched();
    const started = Date.now();
    await signIn(w, keys.ops);
    const newest = `SEED${run}-39`;
    await row(w.page, newest).waitFor();
    figures.signInToFirstOrdersMs = Date.now() - started;
    const first = w.page.locator('tbody tr').first();
    expect(await first.getAttribute('data-reference-id')).toBe(newest);
    const message = expect.stringMatching(/^(Accepted|Sent|Delivered|Read)$/);
    const age = expect.stringMatching(/^(just now|\d+ min)$/);
    expect(await first.locator('td').allTextContents()).toEqual([newest, DEMO.customer, 'INR 520.00', 'Pending', 'Captured ✓ verified', message, age]);
    expect(await row(w.page, `SEED${run}-38`).locator('td').allTextContents()).toEqual([
      `SEED${run}-38`, DEMO.customer, 'INR 520.00', 'Pending', 'New (not verified)', message, age,
    ]);
    expect(await w.page.locator('tbody tr').count()).toBe(25);

    await w.page.getByRole('button', { name: 'Load older orders' }).click();
    await row(w.page, `SEED${run}-00`).waitFor();
    const refs = await w.page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-reference-id')));
    const seeded = refs.filter((r) => r?.startsWith(`SEED${run}-`));
    expect(seeded).toEqual(Array.from({ length: 40 }, (_, i) => `SEED${run}-${String(39 - i).padStart(2, '0')}`));

    expect(await w.page.evaluate('Object.keys(localStorage).length')).toBe(0);
    expect(await w.page.evaluate('Object.values(sessionStorage)')).toEqual([keys.ops]);
    expect(w.urls.filter((u) => u.includes(keys.ops) || u.includes(encodeURIComponent(keys.ops)))).toEqual([]);
    expect(await w.page.content()).not.toContain(keys.ops);
    expect(w.requests.filter((r) => r.url.endsWith('/graphql') && r.method === 'POST').every((r) => r.headers.authorization === `Bearer ${keys.ops}`)).toBe(true);
    expectClean(w, t.url);
  });

  it('measures page load to the first orders shown (a reload keeps the session of this tab)', async () => {
    const w = await watched();
    await signIn(w, keys.ops);
    await w.page.locator('tbody tr').first().waitFor();
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      await w.page.reload();
      // the page marks the moment its first orders are rendered
      await w.page.waitForFunction(() => performance.getEntriesByName('dashboard:first-orders').length > 0);
      samples.push(await w.page.evaluate(`performance.getEntriesByName('dashboard:first-orders')[0].startTime`));
    }
    samples.sort((a, b) => a - b);
    figures.loadToFirstOrdersMedianMs = Math.round(samples[2]);
    figures.loadToFirstOrdersMaxMs = Math.round(samples[4]);
    const shipped: number[] = await w.page.evaluate(
      `performance.getEntriesByType('resource').filter((e) => e.name.includes('/dashboard/assets/')).map((e) => e.encodedBodySize)`,
    );
    figures.assetsBytes = shipped.reduce((a, b) => a + b, 0);
    expect(samples.every((s) => s > 0)).toBe(true);
    expectClean(w, t.url);
  });

  it('shows a new order and then its payment live, without a reload, with the connection state', async () => {
    const w = await watched();
    await signIn(w, keys.ops);
    await expect(connection(w.page).textContent()).resolves.toMatch(/Live|Connecting/);
    await w.page.getByTestId('connection').getByText('Live').waitFor();
    const navigations = w.navigations;
    const ref = `LIVE${run}-1`;
    const sentAt = Date.now();
    await send(ref);
    await row(w.page, ref).waitFor();
    figures.orderSentToRowMs = Date.now() - sentAt;
    expect(await w.page.locator('tbody tr').first().getAttribute('data-reference-id')).toBe(ref);
    expect(await row(w.page, ref).locator('td').nth(4).textContent()).toBe('New (not verified)');

    const paidAt = Date.now();
    await pay(ref);
    await row(w.page, ref).getByText('Captured ✓ verified').waitFor();
    const shownAt = Date.now();
    figures.paidToCapturedShownMs = shownAt - paidAt;
    // the dashboard's own share: from the stored event (same clock) to the screen
    const events = dataOf(await t.gql(`query($r: String!) { order(referenceId: $r) { events { type toStatus at } } }`, { r: ref }, keys.ops)).order.events;
    const captured = events.find((e: { type: string; toStatus: string }) => e.type === 'PAYMENT_STATUS_CHANGED' && e.toStatus === 'CAPTURED');
    figures.paymentEventToScreenMs = shownAt - Date.parse(captured.at);
    await dataOf(await t.gql(UPDATE, { input: { referenceId: ref, status: 'SHIPPED' } }, keys.storefront));
    await row(w.page, ref).getByText('Shipped').waitFor();
    expect(w.navigations).toBe(navigations);
    expectClean(w, t.url);
  });

  it('filters by order and payment status and searches by reference id, and keeps a filtered list true live', async () => {
    const w = await watched();
    await signIn(w, keys.ops);
    await w.page.getByLabel('Payment status').selectOption('CAPTURED');
    await eventually(async () => {
      const payments = await w.page.locator('tbody tr td:nth-child(5)').allTextContents();
      expect(payments.length).toBeGreaterThan(0);
      expect(new Set(payments)).toEqual(new Set(['Captured ✓ verified']));
    });
    await w.page.getByLabel('Reference id').fill(`seed${run.toLowerCase()}-3`);
    await eventually(async () =>
      expect(await w.page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-reference-id')))).toEqual(
        [39, 36, 33, 30].map((i) => `SEED${run}-${i}`),
      ),
    );
    // a matching order that gets paid now joins the list; one that no longer matches leaves it
    await pay(`SEED${run}-31`);
    await row(w.page, `SEED${run}-31`).waitFor();
    await w.page.getByLabel('Reference id').fill('');
    await w.page.getByLabel('Payment status').selectOption('');
    await w.page.getByLabel('Order status').selectOption('PENDING');
    await row(w.page, `SEED${run}-38`).waitFor();
    await dataOf(await t.gql(UPDATE, { input: { referenceId: `SEED${run}-38`, status: 'PROCESSING' } }, keys.ops));
    await row(w.page, `SEED${run}-38`).waitFor({ state: 'detached' });
    await w.page.getByLabel('Reference id').fill('not valid!');
    await w.page.getByText('Reference ids have only').waitFor();
    expectClean(w, t.url);
  });

  it('opens an order: items and totals as text (even markup), payment with its transaction, messages, the history; moves it to an allowed status', async () => {
    const ref = `XSS${run}-1`;
    await send(ref, {
      items: [{ ...(orderInput(demo).items as Array<Record<string, unknown>>)[0], name: XSS }],
    });
    await pay(ref);
    const w = await watched();
    await signIn(w, keys.ops);
    await row(w.page, ref).getByText('Captured ✓ verified').waitFor();
    await row(w.page, ref).getByRole('link', { name: ref }).click();
    await w.page.getByRole('heading', { name: `Order ${ref}`, level: 1 }).waitFor();
    expect(await w.page.evaluate('document.activeElement?.textContent')).toBe(`Order ${ref}`);

    const items = w.page.getByRole('region', { name: 'Items', exact: true });
    expect(await items.locator('td.item-name').textContent()).toBe(XSS);
    expect(await w.page.locator('main img').count()).toBe(0);
    const totals = await w.page.locator('dl.totals').innerText();
    expect(totals.replace(/\s+/g, ' ')).toBe('Subtotal INR 450.00 Tax INR 81.00 Shipping INR 40.00 Discount −INR 51.00 Total INR 520.00');

    const order = dataOf(
      await t.gql(`query($r: String!) { order(referenceId: $r) { allowedTransitions payment { transactions { id } } messages { wamid } events { type } } }`, { r: ref }, keys.ops),
    ).order;
    const transactions = w.page.getByRole('region', { name: 'Transactions' });
    expect(await transactions.locator('tbody tr').count()).toBe(order.payment.transactions.length);
    expect(await transactions.locator('tbody tr td').first().textContent()).toBe(order.payment.transactions[0].id);
    expect(await w.page.getByRole('region', { name: 'Messages', exact: true }).textContent()).toContain(order.messages[0].wamid);
    const history = w.page.getByRole('list', { name: 'Events, oldest first' }).locator('li');
    expect(await history.count()).toBe(order.events.length);
    expect(await history.first().textContent()).toMatch(/Order created.*– → Pending.*from the API/);
    expect(await history.allTextContents()).toContainEqual(expect.stringMatching(/Payment status changed.*New → Captured.*from WhatsApp's payment lookup/));

    // only the statuses the API allows are offered; CANCELED is not (the payment is captured)
    const offered = await w.page.getByLabel('New status').locator('option').evaluateAll((o) => o.map((x) => x.getAttribute('value')).filter(Boolean));
    expect(offered).toEqual(order.allowedTransitions.filter((s: string) => s !== 'CANCELED' && s !== 'PENDING'));
    expect(order.allowedTransitions).not.toContain('CANCELED');
    expect(await w.page.getByRole('button', { name: 'Cancel order' }).count()).toBe(0);

    await w.page.getByLabel('New status').selectOption('PROCESSING');
    await w.page.getByLabel('Note to the customer (optional)').fill('Packing your order');
    await w.page.getByRole('button', { name: 'Update status' }).click();
    await w.page.getByText('Status changed to Processing').waitFor();
    await w.page.locator('dl.summary').getByText('Processing').waitFor();
    await history.filter({ hasText: 'Pending → Processing' }).waitFor();
    expect(await w.page.locator('dl.summary').textContent()).toContain('Packing your order');
    expect(w.dialogs).toEqual([]);
    expectClean(w, t.url);
  });

  it('cancels an order, and shows the userError in words when WhatsApp knows of a payment the gateway has not heard of', async () => {
    const plain = await send(`CAN${run}-1`);
    const paidQuietly = await send(`CAN${run}-2`);
    // the customer pays but the webhook is lost: only WhatsApp's payment lookup knows
    await t.gateway.simulator!.pay(paidQuietly, 'captured', { webhook: false });

    const w = await watched();
    await signIn(w, keys.ops);
    await w.page.goto(`${t.url}/dashboard#/orders/${plain}`);
    await w.page.getByRole('button', { name: 'Cancel order' }).click();
    await w.page.getByRole('button', { name: 'Yes, cancel the order' }).click();
    await w.page.getByText('Order canceled; the customer is told on WhatsApp.').waitFor();
    await w.page.getByText('No status change is possible now: Canceled is final.').waitFor();
    expect(await w.page.getByRole('button', { name: 'Cancel order' }).count()).toBe(0);

    await w.page.getByRole('link', { name: 'Orders' }).first().click();
    await row(w.page, paidQuietly).getByRole('link').click();
    await w.page.getByRole('heading', { name: `Order ${paidQuietly}` }).waitFor();
    await w.page.getByRole('button', { name: 'Cancel order' }).click();
    await w.page.getByRole('button', { name: 'Yes, cancel the order' }).click();
    const alert = w.page.locator('.actions [role="alert"]');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/The order cannot be canceled because its payment is pending or captured \(WhatsApp error 2047\)/);
    expect(await alert.locator('li').getAttribute('data-code')).toBe('CANCEL_NOT_ALLOWED');
    // the lookup the cancel made is recorded, and shown live
    await w.page.locator('dl.summary').getByText('Captured ✓ verified').waitFor();
    expect(await w.page.locator('dl.summary').getByText('Pending').count()).toBe(1);
    expectClean(w, t.url);
  });

  it('refunds a captured payment in part, then the rest: each refund listed and settled live; too much is refused in words; MOBILE has no Refund action', async () => {
    const ref = await send(`RFD${run}-1`);
    await pay(ref);
    await eventually(async () =>
      expect(dataOf(await t.gql('query($r: String!) { order(referenceId: $r) { payment { status verified } } }', { r: ref }, keys.ops)).order.payment).toEqual({
        status: 'CAPTURED',
        verified: true,
      }),
    );
    const w = await watched();
    await signIn(w, keys.ops);
    await w.page.goto(`${t.url}/dashboard#/orders/${ref}`);
    const section = w.page.locator('section.section-refunds');
    await section.getByText('No refund yet.').waitFor();
    expect(await section.getByTestId('refundable-amount').textContent()).toBe('INR 520.00');

    // more than was paid: the gateway's userError, in words
    await section.getByLabel('Amount (INR)').fill('600');
    await section.getByRole('button', { name: 'Refund', exact: true }).click();
    await section.getByRole('button', { name: 'Yes, refund INR 600.00' }).click();
    const alert = section.locator('[role="alert"]');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/The refund is not possible\. INR 600\.00 is more than the INR 520\.00 left to refund/);
    expect(await alert.locator('li').getAttribute('data-code')).toBe('REFUND_NOT_ALLOWED');

    // a part, with a reason: listed at once, then settled by WhatsApp, live
    await section.getByLabel('Amount (INR)').fill('200');
    await section.getByLabel('Reason (kept here, not sent to the customer)').fill('one shirt returned');
    await section.getByRole('button', { name: 'Refund', exact: true }).click();
    await section.getByRole('button', { name: 'Yes, refund INR 200.00' }).click();
    await section.getByRole('status').getByText('Refund of INR 200.00 is pending.').waitFor();
    const table = section.getByRole('region', { name: 'Refunds' });
    await table.locator('tr[data-refund-status="SUCCEEDED"]').waitFor();
    expect(await table.locator('tbody tr').first().locator('td').allTextContents()).toEqual([
      'INR 200.00',
      'Succeeded',
      expect.stringMatching(/^rfnd_/),
      'Normal',
      'this gateway',
      'one shirt returned',
      '–',
      expect.any(String),
      expect.any(String),
    ]);
    expect(await section.getByTestId('refundable-amount').textContent()).toBe('INR 320.00');

    // the rest (an empty amount refunds everything left)
    await section.getByRole('button', { name: 'Refund', exact: true }).click();
    await section.getByRole('button', { name: 'Yes, refund INR 320.00' }).click();
    await section.getByText('Nothing is left to refund.').waitFor();
    await eventually(async () => expect(await table.locator('tr[data-refund-status="SUCCEEDED"]').count()).toBe(2));
    expect(await section.getByTestId('refunded-amount').textContent()).toBe('INR 520.00');
    const history = w.page.getByRole('list', { name: 'Events, oldest first' });
    await history.locator('li', { hasText: 'fully refunded' }).waitFor();
    expect(await history.locator('li.event-refund_status_changed').count()).toBe(6);

    // a MOBILE key reads the refunds but may not refund
    const businessId = dataOf(await t.gql('{ viewer { business { id } } }', {}, keys.ops)).viewer.business.id;
    const mobileKey = dataOf(
      await t.gql(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`, { input: { businessId, role: 'MOBILE' } }),
    ).createApiKey.secret as string;
    const m = await watched();
    await signIn(m, mobileKey);
    await m.page.goto(`${t.url}/dashboard#/orders/${ref}`);
    const mobileSection = m.page.locator('section.section-refunds');
    await mobileSection.getByRole('region', { name: 'Refunds' }).locator('tr[data-refund-status="SUCCEEDED"]').nth(1).waitFor();
    expect(await mobileSection.getByRole('button', { name: 'Refund', exact: true }).count()).toBe(0);
    expectClean(w, t.url);
    expectClean(m, t.url);
  });

  it('work queues list what needs a person, and pick up a new case live', async () => {
    const sim = t.gateway.simulator!;
    const odd = await send(`Q${run}-odd`);
    await sim.pay(odd, 'captured', { amount: 100 });
    const refused = `Q${run}-refused`;
    sim.rejectReference(refused, 131009);
    const res = dataOf(await t.gql(SEND, { input: orderInput(demo, { referenceId: refused }) }, keys.storefront)).sendOrderDetails;
    expect(res.userErrors.map((e: { code: string }) => e.code)).toEqual(['UPSTREAM_REJECTED']);
    const waiting = await send(`Q${run}-waiting`);
    // WhatsApp refuses a status change after accepting it: a signed 2046 error webhook
    const moved = await send(`Q${run}-moved`);
    const upd = dataOf(await t.gql(UPDATE, { input: { referenceId: moved, status: 'SHIPPED' } }, keys.ops)).updateOrderStatus;
    const wamid = dataOf(await t.gql(`query($r: String!) { order(referenceId: $r) { messages { kind wamid } } }`, { r: moved }, keys.ops)).order.messages.find(
      (m: { kind: string }) => m.kind === 'ORDER_STATUS',
    ).wamid;
    expect(upd.userErrors).toEqual([]);
    const body = JSON.stringify(orderStatusErrorWebhook(2046, DEMO.phoneNumberId, wamid));
    const hook = await fetch(`${t.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', t.gateway.config.whatsappAppSecret!).update(body).digest('hex')}`,
      },
      body,
    });
    expect(hook.status).toBe(200);

    const w = await watched();
    await signIn(w, keys.ops);
    await w.page.getByRole('link', { name: 'Work queues' }).click();
    const queue = (id: string) => w.page.locator(`section[data-queue="${id}"]`);
    await queue('discrepancies').locator(`li[data-reference-id="${odd}"]`).waitFor();
    await queue('failed-messages').locator(`li[data-reference-id="${refused}"]`).waitFor();
    expect(await queue('failed-messages').locator(`li[data-reference-id="${refused}"]`).textContent()).toContain('131009');
    await queue('upstream-errors').locator(`li[data-reference-id="${moved}"]`).waitFor();
    expect(await queue('awaiting-verification').locator(`li[data-reference-id="${waiting}"]`).count()).toBe(0);

    // live: the payment lookup goes down while the customer pays; the payment waits for it
    sim.lookupDown(true);
    try {
      await pay(waiting);
      await queue('awaiting-verification').locator(`li[data-reference-id="${waiting}"]`).waitFor();
    } finally {
      sim.lookupDown(false);
    }
    await queue('awaiting-verification').locator(`li[data-reference-id="${waiting}"]`).waitFor({ state: 'detached', timeout: 30_000 });
    expectClean(w, t.url);
  });

  it('reconciliation: a period, its rows, and the CSV fetched with the key in a header and handed to the browser', async () => {
    const paid = await send(`REC${run}-1`);
    await pay(paid);
    // the rows are read once for the period: open it when the lookup has confirmed the capture
    await eventually(async () =>
      expect(dataOf(await t.gql(`query($r: String!) { order(referenceId: $r) { payment { status verified } } }`, { r: paid }, keys.ops)).order.payment).toEqual({ status: 'CAPTURED', verified: true }),
    );
    const w = await watched();
    await signIn(w, keys.ops);
    await w.page.getByRole('link', { name: 'Reconciliation' }).click();
    await w.page.getByRole('button', { name: 'Today' }).click();
    const table = w.page.getByRole('region', { name: 'Reconciliation rows' });
    await table.locator('tr', { hasText: paid }).waitFor();
    expect(await table.locator('tr', { hasText: paid }).textContent()).toMatch(/INR 520\.00.*Captured.*Success.*yes/);

    const [download] = await Promise.all([w.page.waitForEvent('download'), w.page.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(download.suggestedFilename()).toMatch(/^reconciliation-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(csv.split('\n')[0]).toMatch(/^reference_id,payment_configuration,/);
    expect(csv).toContain(paid);
    const csvRequest = w.requests.find((r) => r.url.includes('/reconciliation.csv'))!;
    expect(csvRequest.headers.authorization).toBe(`Bearer ${keys.ops}`);
    expect(csvRequest.url).not.toContain(keys.ops);
    await w.page.getByText(/^Downloaded reconciliation-/).waitFor();
    expectClean(w, t.url);
  });

  it('is role-aware: STOREFRONT acts but does not reconcile; MOBILE reads, has no actions and follows one order live', async () => {
    const store = await watched();
    await signIn(store, keys.storefront);
    expect(await store.page.getByRole('link', { name: 'Reconciliation' }).count()).toBe(0);
    const ref = await send(`ROLE${run}-1`);
    await row(store.page, ref).getByRole('link').click();
    await store.page.getByRole('heading', { name: 'Actions', exact: true }).waitFor();

    const businessId = dataOf(await t.gql('{ viewer { business { id } } }', {}, keys.ops)).viewer.business.id;
    const mobileKey = dataOf(
      await t.gql(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`, { input: { businessId, role: 'MOBILE' } }),
    ).createApiKey.secret as string;
    const w = await watched();
    await signIn(w, mobileKey);
    await row(w.page, ref).waitFor();
    await w.page.getByText('This key follows one order at a time').waitFor();
    expect(await w.page.getByRole('link', { name: 'Reconciliation' }).count()).toBe(0);
    await row(w.page, ref).getByRole('link').click();
    await w.page.getByTestId('order-live').getByText('Live').waitFor();
    expect(await w.page.getByRole('heading', { name: 'Actions', exact: true }).count()).toBe(0);
    await dataOf(await t.gql(UPDATE, { input: { referenceId: ref, status: 'COMPLETED' } }, keys.ops));
    await w.page.locator('dl.summary').getByText('Completed').waitFor();
    await w.page.getByRole('list', { name: 'Events, oldest first' }).locator('li', { hasText: 'Pending → Completed' }).waitFor();
    await w.page.goto(`${t.url}/dashboard#/reconciliation`);
    await w.page.getByText('A Mobile key cannot open this page.').waitFor();
    expectClean(store, t.url);
    expectClean(w, t.url);
  });

  it('reconnects after the connection is lost and shows what happened meanwhile (afterEventId)', async () => {
    const w = await watched();
    // the page's WebSockets pass through here, so the test can cut them and hold reconnects back
    let down = false;
    const sockets: WebSocketRoute[] = [];
    await w.page.routeWebSocket(/\/graphql$/, (ws) => {
      if (down) return void ws.close({ code: 1001, reason: 'network down (test)' });
      ws.connectToServer();
      sockets.push(ws);
    });
    await signIn(w, keys.ops);
    await connection(w.page).getByText('Live').waitFor();
    const navigations = w.navigations;

    down = true;
    for (const ws of sockets.splice(0)) await ws.close({ code: 1001, reason: 'network down (test)' });
    await connection(w.page).getByText('Reconnecting…').waitFor();
    // while nothing is connected: a new order, paid
    const ref = await send(`OFF${run}-1`);
    await pay(ref);
    await eventually(async () => expect(dataOf(await t.gql(`query($r: String!) { order(referenceId: $r) { payment { verified } } }`, { r: ref }, keys.ops)).order.payment.verified).toBe(true));
    expect(await row(w.page, ref).count()).toBe(0);

    down = false;
    await connection(w.page).getByText('Live').waitFor({ timeout: 30_000 });
    await row(w.page, ref).getByText('Captured ✓ verified').waitFor();
    expect(w.navigations).toBe(navigations);
    expectClean(w, t.url);
  });

  it('is usable in a narrow window and by keyboard', async () => {
    const w = await watched({ width: 380, height: 760 });
    await w.page.goto(`${t.url}/dashboard`);
    await w.page.locator('#api-key:focus').waitFor(); // the key field takes the focus
    await w.page.keyboard.type(keys.ops);
    await w.page.keyboard.press('Enter');
    await w.page.locator('tbody tr').first().waitFor();
    expect(await w.page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    const label = await w.page.evaluate(`getComputedStyle(document.querySelector('tbody tr td:nth-child(4)'), '::before').content`);
    expect(label).toBe('"Order status"');
    // Tab goes through the pages, the filters and the table to the first order; Enter opens it
    const firstRef = await w.page.locator('tbody tr').first().getAttribute('data-reference-id');
    const reached: string[] = [];
    while (reached[reached.length - 1] !== firstRef && reached.length < 20) {
      await w.page.keyboard.press('Tab');
      reached.push(await w.page.evaluate(`document.activeElement?.id || document.activeElement?.textContent || ''`));
    }
    expect(reached.filter((r) => r.length < 40)).toEqual(['Orders', 'Work queues', 'Reconciliation', 'Business webhooks', 'Sign out', 'search', 'status-filter', 'payment-filter', firstRef]);
    await w.page.keyboard.press('Enter');
    await w.page.getByRole('heading', { name: `Order ${firstRef}` }).waitFor();
    expectClean(w, t.url);
  });
});
