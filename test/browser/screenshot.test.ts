// The README's picture of the dashboard, taken from a sandbox gateway with orders in every state.
// CI takes it into a temporary file (so this stays working); to refresh docs/dashboard.png:
//   DASHBOARD_SCREENSHOT=docs/dashboard.png npm run test:browser -- screenshot
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO } from '../../src/sandbox/seed';
import type { TestBusiness } from '../helpers/fixtures';
import { dataOf, startTestGateway, type TestGateway } from '../helpers/gateway';
import { CANCEL, eventually, orderInput, SEND, UPDATE } from '../helpers/stack';
import { expectClean, launchBrowser, openPage } from './browser';

describe('dashboard screenshot', () => {
  let t: TestGateway;
  afterAll(() => t?.stop());

  it('shows a business day of orders, live', async () => {
    t = await startTestGateway({ SANDBOX: 'true' });
    const storefront = t.gateway.sandbox!.storefrontKey!;
    const ops = t.gateway.sandbox!.opsKey!;
    const demo = { phoneNumberId: DEMO.phoneNumberId, paymentConfiguration: DEMO.paymentConfiguration } as TestBusiness;
    const base = orderInput(demo).items as Array<Record<string, unknown>>;
    const gql = async (query: string, input: Record<string, unknown>, key: string, field: string) => {
      const res = dataOf(await t.gql(query, { input }, key))[field];
      if (res.userErrors.length) throw new Error(`${field}: ${JSON.stringify(res.userErrors)}`);
    };
    const pay = async (referenceId: string, outcome = 'captured') => {
      const res = await fetch(`${t.url}/sandbox/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${storefront}` },
        body: JSON.stringify({ referenceId, outcome }),
      });
      expect(res.status).toBe(200);
    };
    const day: Array<[string, number, string, string | null, string | null]> = [
      // reference, quantity, customer, payment outcome, then status
      ['A1001-1', 2, '919876543210', 'captured', 'COMPLETED'],
      ['A1002-1', 1, '919812345678', 'captured', 'SHIPPED'],
      ['A1003-1', 3, '919898989898', 'failed', null],
      ['A1004-1', 1, '919811112222', null, 'CANCELED'],
      ['A1005-1', 4, '919822223333', 'captured', 'PROCESSING'],
      ['A1006-1', 2, '919833334444', 'pending', null],
      ['A1007-1', 1, '919844445555', 'captured', null],
      ['A1008-1', 2, '919855556666', null, null],
    ];
    for (const [referenceId, quantity, to, outcome, status] of day) {
      await gql(SEND, orderInput(demo, { referenceId, to, items: [{ ...base[0], quantity }] }), storefront, 'sendOrderDetails');
      if (outcome) await pay(referenceId, outcome);
      if (status === 'CANCELED') await gql(CANCEL, { referenceId }, ops, 'cancelOrder');
      else if (status) {
        await eventually(async () => {
          const o = dataOf(await t.gql(`query($r: String!) { order(referenceId: $r) { payment { verified } } }`, { r: referenceId }, ops)).order;
          expect(o.payment.verified || outcome === null).toBe(true);
        });
        await gql(UPDATE, { referenceId, status, description: status === 'SHIPPED' ? 'Courier: BlueDart 1234' : null }, ops, 'updateOrderStatus');
      }
    }

    const browser = await launchBrowser();
    try {
      // reduced motion: the arrival highlight is not animated, so the picture does not depend on timing
      const w = await openPage(browser, { width: 1280, height: 640, reducedMotion: 'reduce' });
      await w.page.goto(`${t.url}/dashboard`);
      await w.page.getByLabel('API key').fill(ops);
      await w.page.getByLabel('API key').press('Enter');
      await w.page.getByTestId('connection').getByText('Live').waitFor();
      // the newest order arrives while the page is open
      await gql(SEND, orderInput(demo, { referenceId: 'A1009-1', to: '919866667777' }), storefront, 'sendOrderDetails');
      await w.page.locator('tr[data-reference-id="A1009-1"]').waitFor();
      await w.page.locator('tr[data-reference-id="A1009-1"]').getByText(/Accepted|Sent|Delivered|Read/).waitFor();
      const file = resolve(process.env.DASHBOARD_SCREENSHOT ?? join(tmpdir(), `dashboard-${process.pid}.png`));
      await w.page.screenshot({ path: file });
      const png = readFileSync(file);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeGreaterThan(20_000);
      expectClean(w, t.url);
    } finally {
      await browser.close();
    }
  });
});
