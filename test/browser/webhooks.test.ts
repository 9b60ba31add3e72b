// The dashboard's business webhooks page in Debian's chromium against a sandbox gateway (as
// `npm start` starts it: OUTBOUND_WEBHOOKS_ALLOW_PRIVATE is on, and the demo business already has
// an endpoint at the sandbox's own receiver). The test runs a storefront's receiver on a local port
// and switches its answers; the gateway calls it, never the page. Retries are made quick
// (RETRY_BASE_MS/RETRY_MAX_MS) so that a failing receiver's delivery is retried while the test looks.
import type { Browser, Page, Response } from 'playwright-core';
import { DEMO } from '../../src/sandbox/seed';
import { createEndpoint, deliveriesOf, ENDPOINTS } from '../helpers/business-webhooks';
import type { TestBusiness } from '../helpers/fixtures';
import { dataOf, startTestGateway, type TestGateway } from '../helpers/gateway';
import { Receiver, verify } from '../helpers/receiver';
import { eventually, orderInput, SEND } from '../helpers/stack';
import { expectClean, launchBrowser, openPage, type Watched } from './browser';

const XSS = '<img src=x onerror=alert(1)>';

describe('dashboard: business webhooks (chromium, sandbox gateway)', () => {
  let t: TestGateway;
  let browser: Browser;
  let keys: { ops: string; storefront: string; admin: string };
  const demo = { phoneNumberId: DEMO.phoneNumberId, paymentConfiguration: DEMO.paymentConfiguration } as TestBusiness;
  const run = Math.random().toString(36).slice(2, 6).toUpperCase();
  const open: Watched[] = [];
  const receivers: Receiver[] = [];
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    t = await startTestGateway({ SANDBOX: 'true', RETRY_BASE_MS: '200', RETRY_MAX_MS: '1000' });
    keys = { ops: t.gateway.sandbox!.opsKey!, storefront: t.gateway.sandbox!.storefrontKey!, admin: t.adminKey };
    // the sandbox receiver's endpoint gets every event: more than a page of deliveries
    for (let i = 0; i < 12; i++) await send(`SEED${run}-${String(i).padStart(2, '0')}`);
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const w of open.splice(0)) await w.close();
  });
  afterAll(async () => {
    await browser?.close();
    for (const r of receivers) await r.stop();
    await t?.stop();
    if (Object.keys(figures).length) process.stdout.write(`webhooks page figures: ${JSON.stringify(figures)}\n`);
  });

  async function send(referenceId: string): Promise<string> {
    const res = dataOf(await t.gql(SEND, { input: orderInput(demo, { referenceId }) }, keys.storefront)).sendOrderDetails;
    if (res.userErrors.length) throw new Error(`sendOrderDetails refused: ${JSON.stringify(res.userErrors)}`);
    return referenceId;
  }
  async function receiver(): Promise<Receiver> {
    const r = await new Receiver().start();
    receivers.push(r);
    return r;
  }
  async function watched(opts: { width?: number; height?: number } = {}): Promise<Watched> {
    const w = await openPage(browser, opts);
    open.push(w);
    return w;
  }
  async function signIn(w: Watched, key: string): Promise<void> {
    await w.page.goto(`${t.url}/`);
    await w.page.getByLabel('API key').fill(key);
    await w.page.getByLabel('API key').press('Enter');
    await w.page.getByRole('heading', { name: 'Orders', level: 1 }).waitFor();
  }
  async function webhooksPage(w: Watched): Promise<void> {
    await w.page.getByRole('link', { name: 'Business webhooks' }).click();
    await w.page.getByRole('heading', { name: 'Business webhooks', level: 1 }).waitFor();
  }
  const endpointRow = (page: Page, id: string) => page.locator(`tr[data-endpoint-id="${id}"]`);
  const deliveries = (page: Page) => page.getByRole('list', { name: 'Deliveries, newest first' }).locator('li.delivery');
  const delivery = (page: Page, ref: string, status?: string) =>
    page
      .getByRole('list', { name: 'Deliveries, newest first' })
      .locator(`li.delivery${status ? `[data-status="${status}"]` : ''}`)
      .filter({ has: page.getByRole('link', { name: ref, exact: true }) });
  const endpointOf = async (id: string) =>
    dataOf(await t.gql(`query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { url enabled description eventTypes } } }`, { id }, keys.ops)).node;

  /** The cost the API reported for each of the page's reads of deliveries. */
  function deliveryReadCosts(page: Page): number[] {
    const costs: number[] = [];
    page.on('response', async (res: Response) => {
      if (!res.url().endsWith('/graphql') || !(res.request().postData() ?? '').includes('WebhookDeliveries')) return;
      const body = await res.json().catch(() => null);
      if (body?.extensions?.cost) costs.push(body.extensions.cost.requestedQueryCost);
    });
    return costs;
  }

  it('lists the endpoints, adds one (refused URL in words, description as text), shows its secret once, and shows its first delivery arrive live', async () => {
    const hooks = await receiver();
    // a URL may hold markup too (the gateway stores it as given): it is shown as text
    const markedUrl = `${(await receiver()).url}?${XSS}`;
    const marked = await createEndpoint(t, keys.ops, { url: markedUrl, eventTypes: ['ORDER_EXPIRED'] });
    const w = await watched();
    await w.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    await signIn(w, keys.ops);
    await webhooksPage(w);
    // the sandbox's own receiver is already an endpoint of the demo business
    const sandboxRow = w.page.locator('tbody tr', { hasText: '/sandbox/webhook-receiver' });
    await sandboxRow.waitFor();
    expect(await sandboxRow.locator('td').allTextContents()).toEqual([
      expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/sandbox\/webhook-receiver$/),
      'All',
      'Enabled',
      'the sandbox receiver (GET /sandbox/webhook-receiver shows what it got)',
      expect.any(String),
    ]);

    await w.page.getByRole('button', { name: 'Add an endpoint' }).click();
    const url = w.page.getByLabel('Endpoint URL');
    await url.fill('ftp://127.0.0.1/hooks');
    await w.page.getByRole('button', { name: 'Add endpoint' }).click();
    const refusal = w.page.locator('.add-endpoint [role="alert"] li');
    await refusal.waitFor();
    expect(await refusal.getAttribute('data-code')).toBe('WEBHOOK_URL_NOT_ALLOWED');
    expect(await refusal.textContent()).toBe('The gateway will not call this URL. url must be http or https. [input.url]');
    expect(await url.getAttribute('aria-invalid')).toBe('true');

    await url.fill(hooks.url);
    await w.page.getByLabel('Order created').check();
    await w.page.getByLabel('Payment status changed').check();
    await w.page.getByLabel('Description (optional)').fill(XSS);
    await w.page.getByRole('button', { name: 'Add endpoint' }).click();

    // the secret, once: focused and selected, with the warning, copied by the button
    const secretBox = w.page.getByTestId('secret');
    await secretBox.waitFor();
    expect(await secretBox.textContent()).toContain('Copy it now: it will not be shown again.');
    const secret = await secretBox.getByRole('textbox', { name: 'Signing secret' }).inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{20,}$/);
    expect(await w.page.evaluate('document.activeElement?.id')).toBe('new-secret-value');
    await w.page.getByRole('button', { name: 'Copy' }).click();
    await secretBox.getByText('Copied to the clipboard.').waitFor();
    expect(await w.page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await w.page.getByRole('button', { name: 'I have copied it' }).click();
    await secretBox.waitFor({ state: 'detached' });

    const listed = dataOf(await t.gql(ENDPOINTS, {}, keys.ops)).webhookEndpoints.find((e: { url: string }) => e.url === hooks.url);
    expect(listed).toMatchObject({ eventTypes: ['ORDER_CREATED', 'PAYMENT_STATUS_CHANGED'], enabled: true, description: XSS });
    const row = endpointRow(w.page, listed.id);
    expect(await row.locator('td.description').textContent()).toBe(XSS);
    expect(await row.locator('td').nth(1).textContent()).toBe('Order created, Payment status changed');
    expect(await endpointRow(w.page, marked.id).locator('td.endpoint-url').textContent()).toBe(markedUrl);
    expect(await w.page.locator('main img').count()).toBe(0);

    // the endpoint's page: its facts (the description as text) and no deliveries yet
    await row.getByRole('link').click();
    await w.page.getByRole('heading', { name: `Endpoint ${hooks.url}`, level: 2 }).waitFor();
    const navigations = w.navigations;
    expect(await w.page.evaluate('document.activeElement?.id')).toBe('endpoint-title');
    expect(await w.page.locator('.endpoint dd.description').textContent()).toBe(XSS);
    await w.page.getByText('No deliveries yet.').waitFor();

    // an order event makes a delivery; it appears and turns Succeeded without a reload
    const ref = await send(`HOOK${run}-1`);
    const sentAt = Date.now();
    await delivery(w.page, ref, 'SUCCEEDED').waitFor();
    figures.orderSentToDeliverySucceededShownMs = Date.now() - sentAt;
    expect(await delivery(w.page, ref).locator('.event-type').textContent()).toBe('Order created');
    expect(await delivery(w.page, ref).locator('.delivery-state').textContent()).toMatch(/^Delivered .* \(HTTP 204\) after 1 attempt\.$/);
    expect(w.navigations).toBe(navigations);
    // what the receiver got verifies with the secret the page showed
    const got = hooks.forOrder(ref);
    expect(got).toHaveLength(1);
    expect(verify(secret, got[0]).data.referenceId).toBe(ref);

    // the secret was shown once and kept nowhere
    expect(await w.page.content()).not.toContain(secret);
    expect(await w.page.evaluate('Object.values(sessionStorage)')).toEqual([keys.ops]);
    expect(await w.page.evaluate('Object.keys(localStorage).length')).toBe(0);
    expect(w.urls.filter((u) => u.includes(secret) || u.includes(encodeURIComponent(secret)) || u.includes(hooks.url) || u.includes(String(hooks.port)))).toEqual([]);
    expectClean(w, t.url);
    await t.gql(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { userErrors { code } } }`, { id: marked.id }, keys.ops);
  });

  it('a failing receiver: the delivery stays pending with its failed attempts; redeliver; rotate; disable; edit; delete', async () => {
    const hooks = await receiver();
    hooks.answer = () => 500;
    const endpoint = await createEndpoint(t, keys.ops, { url: hooks.url, eventTypes: ['ORDER_CREATED'], description: 'shop backend' });
    const w = await watched();
    const costs = deliveryReadCosts(w.page);
    await signIn(w, keys.ops);
    await webhooksPage(w);
    await endpointRow(w.page, endpoint.id).getByRole('link').click();
    await w.page.getByText('No deliveries yet.').waitFor();

    // 500 after 500: pending, each attempt in the log
    const ref = await send(`FAIL${run}-1`);
    const pending = delivery(w.page, ref, 'PENDING');
    await pending.locator('.delivery-state', { hasText: /attempts? so far, the last failed: HTTP 500 Internal Server Error\. Next attempt/ }).waitFor();
    expect(await pending.locator('.badge').textContent()).toBe('Pending');
    await pending.locator('summary').click();
    const attempts = pending.locator('details table tbody tr');
    await attempts.first().waitFor();
    expect(await attempts.first().locator('td').nth(1).textContent()).toBe('500');
    expect(await attempts.first().locator('td').nth(2).textContent()).toBe('HTTP 500 Internal Server Error');
    expect(await pending.locator('details').textContent()).toContain(`webhook-id ${hooks.forOrder(ref)[0].headers['webhook-id']}`);

    // filtered by status
    await w.page.getByLabel('Delivery status').selectOption('SUCCEEDED');
    await w.page.getByText('No succeeded deliveries.').waitFor();
    await w.page.getByLabel('Delivery status').selectOption('PENDING');
    await delivery(w.page, ref, 'PENDING').waitFor();
    await w.page.getByLabel('Delivery status').selectOption('');

    // the receiver recovers; Redeliver sends the event again as a new delivery (same webhook-id)
    hooks.answer = () => 204;
    await delivery(w.page, ref).getByRole('button', { name: /^Redeliver/ }).click();
    await w.page.getByText('Sent again, as a new delivery with the same webhook-id').waitFor();
    await eventually(async () => expect(await delivery(w.page, ref, 'SUCCEEDED').count()).toBe(2), 30_000);
    const eventIds = await delivery(w.page, ref).evaluateAll((lis) => lis.map((li) => li.getAttribute('data-event-id')));
    expect(new Set(eventIds).size).toBe(1);
    expect(new Set(hooks.forOrder(ref).map((r) => r.headers['webhook-id']))).toEqual(new Set(eventIds.map((id) => id!)));
    expect(hooks.forOrder(ref).filter((r) => r.answered === 204)).toHaveLength(2);

    // rotate: the new secret shown once; the old one keeps signing during the overlap
    await w.page.getByLabel('Old secret keeps signing for (hours)').fill('1');
    await w.page.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = w.page.getByTestId('secret');
    await rotated.waitFor();
    expect(await rotated.textContent()).toMatch(/Copy it now: it will not be shown again\..*the old secret signs every webhook too/);
    const newSecret = await rotated.getByRole('textbox', { name: 'Signing secret' }).inputValue();
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(endpoint.secret);
    await w.page.getByRole('button', { name: 'I have copied it' }).click();
    await rotated.waitFor({ state: 'detached' });
    const after = await send(`FAIL${run}-2`);
    await delivery(w.page, after, 'SUCCEEDED').waitFor();
    const signed = hooks.forOrder(after)[0];
    expect(signed.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verify(newSecret, signed).data.referenceId).toBe(after);
    expect(verify(endpoint.secret, signed).data.referenceId).toBe(after);

    // disable: no new deliveries; Redeliver is refused, in words
    await w.page.getByRole('button', { name: 'Disable endpoint' }).click();
    await w.page.getByText('Disabled: no new deliveries; pending ones end failed.').waitFor();
    expect(await w.page.locator('.endpoint dl.facts .badge').textContent()).toBe('Disabled');
    expect(await endpointRow(w.page, endpoint.id).locator('td').nth(2).textContent()).toBe('Disabled');
    expect((await endpointOf(endpoint.id)).enabled).toBe(false);
    const ignored = await send(`FAIL${run}-3`);
    // deliveries are made in the event's own transaction: the stored order proves none was made
    // (FAIL-1, its redelivery, FAIL-2)
    expect(await deliveriesOf(t, keys.ops, endpoint.id)).toHaveLength(3);
    expect(hooks.forOrder(ignored)).toEqual([]);
    await delivery(w.page, after).getByRole('button', { name: /^Redeliver/ }).click();
    const refused = delivery(w.page, after).locator('[role="alert"] li');
    await refused.waitFor();
    expect(await refused.getAttribute('data-code')).toBe('INVALID_INPUT');
    expect(await refused.textContent()).toMatch(/^A field is not valid\. The endpoint of this delivery is disabled; enable it with updateWebhookEndpoint first\./);

    // edit: URL, event types, enabled and description in one form
    await w.page.getByRole('button', { name: 'Edit', exact: true }).click();
    await w.page.getByLabel('Endpoint URL').fill('not a url');
    await w.page.getByRole('button', { name: 'Save changes' }).click();
    await w.page.locator('form[aria-label="Edit endpoint"] [role="alert"] li[data-code="WEBHOOK_URL_NOT_ALLOWED"]').waitFor();
    await w.page.getByLabel('Endpoint URL').fill(`${hooks.url}/v2`);
    await w.page.getByLabel('Order created').uncheck();
    await w.page.getByLabel('Payment status changed').check();
    await w.page.getByLabel(/^Enabled/).check();
    await w.page.getByLabel('Description (optional)').fill('shop backend, v2');
    await w.page.getByRole('button', { name: 'Save changes' }).click();
    await w.page.getByText('Changes saved.').waitFor();
    await w.page.getByRole('heading', { name: `Endpoint ${hooks.url}/v2` }).waitFor();
    expect(await endpointOf(endpoint.id)).toEqual({ url: `${hooks.url}/v2`, enabled: true, description: 'shop backend, v2', eventTypes: ['PAYMENT_STATUS_CHANGED'] });
    expect(await w.page.locator('.endpoint dl.facts').innerText()).toMatch(/Event types\s+Payment status changed\s+Status\s+Enabled\s+Description\s+shop backend, v2/);

    // delete, confirmed
    await w.page.getByRole('button', { name: 'Delete endpoint' }).click();
    await w.page.getByRole('group', { name: 'Confirm delete' }).getByRole('button', { name: 'Keep it' }).click();
    expect(await endpointOf(endpoint.id)).not.toBeNull();
    await w.page.getByRole('button', { name: 'Delete endpoint' }).click();
    await w.page.getByRole('button', { name: 'Yes, delete the endpoint' }).click();
    await w.page.getByText(`Endpoint ${hooks.url}/v2 deleted, with its delivery log.`).waitFor();
    expect(new URL(w.page.url()).hash).toBe('#/webhooks');
    expect(await endpointRow(w.page, endpoint.id).count()).toBe(0);
    expect(await w.page.locator('.endpoint').count()).toBe(0);
    expect(await endpointOf(endpoint.id)).toBeNull();

    // each read of the deliveries is one endpoint's page, priced far below the limit
    expect(costs.length).toBeGreaterThan(0);
    figures.deliveriesReadCost = Math.max(...costs);
    expect(Math.max(...costs)).toBeLessThan(t.gateway.config.queryMaxCost / 5);
    expectClean(w, t.url);
  });

  it('pages an endpoint’s deliveries newest first with the keyset, as the API lists them', async () => {
    const sandboxEndpoint = dataOf(await t.gql(ENDPOINTS, {}, keys.ops)).webhookEndpoints.find((e: { url: string }) => e.url.endsWith('/sandbox/webhook-receiver'));
    const w = await watched();
    await signIn(w, keys.ops);
    await webhooksPage(w);
    await endpointRow(w.page, sandboxEndpoint.id).getByRole('link').click();
    await deliveries(w.page).first().waitFor();
    expect(await deliveries(w.page).count()).toBe(20);
    await w.page.getByRole('button', { name: 'Show older deliveries' }).click();
    await eventually(async () => expect(await deliveries(w.page).count()).toBeGreaterThan(20));
    // (events of earlier orders may still be arriving: the live list follows them)
    await eventually(async () => {
      const all = (await deliveriesOf(t, keys.ops, sandboxEndpoint.id)).reverse();
      const shown = await deliveries(w.page).evaluateAll((lis) => lis.map((li) => li.getAttribute('data-delivery-id')));
      expect(shown).toEqual(all.slice(0, 40).map((d: { id: string }) => d.id));
    }, 20_000);
    expectClean(w, t.url);
  });

  it('the operator picks the business of a new endpoint (and is told when none is chosen); STOREFRONT does not see the page', async () => {
    const hooks = await receiver();
    const w = await watched();
    await signIn(w, keys.admin);
    await webhooksPage(w);
    await w.page.locator('thead th', { hasText: 'Business' }).waitFor();
    await w.page.getByRole('button', { name: 'Add an endpoint' }).click();
    await w.page.getByLabel('Endpoint URL').fill(hooks.url);
    await w.page.getByRole('button', { name: 'Add endpoint' }).click();
    expect(await w.page.locator('.add-endpoint [role="alert"] li').textContent()).toMatch(/businessId is required with an ADMIN key/);
    expect(await w.page.getByLabel('Business', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await w.page.getByLabel('Business', { exact: true }).selectOption({ label: DEMO.businessName });
    await w.page.getByRole('button', { name: 'Add endpoint' }).click();
    await w.page.getByTestId('secret').waitFor();
    const added = w.page.locator('tbody tr', { hasText: hooks.url });
    expect(await added.locator('td').nth(1).textContent()).toBe(DEMO.businessName);
    expectClean(w, t.url);

    const store = await watched();
    const asked: string[] = [];
    store.page.on('request', (r) => asked.push(r.postData() ?? ''));
    await signIn(store, keys.storefront);
    expect(await store.page.getByRole('link', { name: 'Business webhooks' }).count()).toBe(0);
    await store.page.goto(`${t.url}/dashboard#/webhooks`);
    await store.page.getByText('A Storefront key cannot open this page.').waitFor();
    expect(asked.filter((body) => body.includes('viewer'))).not.toEqual([]);
    expect(asked.filter((body) => /webhookEndpoints|WebhookEndpoint/.test(body))).toEqual([]);
    expectClean(store, t.url);
  });

  it('is usable in a narrow window and by keyboard', async () => {
    const w = await watched({ width: 380, height: 760 });
    await signIn(w, keys.ops);
    await webhooksPage(w);
    await w.page.locator('tbody tr').first().waitFor();
    expect(await w.page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(await w.page.evaluate(`getComputedStyle(document.querySelector('tbody tr td:nth-child(2)'), '::before').content`)).toBe('"Event types"');
    // from the page's heading, Tab reaches the first endpoint's link; Enter opens it
    const first = w.page.locator('tbody tr').first();
    const firstUrl = (await first.locator('a').textContent())!;
    const reached: string[] = [];
    while (reached[reached.length - 1] !== firstUrl && reached.length < 10) {
      await w.page.keyboard.press('Tab');
      reached.push(await w.page.evaluate(`document.activeElement?.textContent || ''`));
    }
    expect(reached[reached.length - 1]).toBe(firstUrl);
    await w.page.keyboard.press('Enter');
    await w.page.getByRole('heading', { name: `Endpoint ${firstUrl}` }).waitFor();
    expect(await w.page.evaluate('document.activeElement?.id')).toBe('endpoint-title');
    await deliveries(w.page).first().waitFor();
    expect(await w.page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expectClean(w, t.url);
  });
});
