// Text and ids a hostile or careless client can send, on both databases: control characters (NUL
// above all, which PostgreSQL cannot store), texts longer than their column, forged cursors and
// ids out of range, and concurrent creates of the same unique thing. Each is the client's mistake:
// a userError naming the field or a BAD_USER_INPUT, never an INTERNAL_SERVER_ERROR, and nothing
// stored or sent.
import { BusinessEntity, OrderEntity, PaymentConfigurationEntity, PhoneNumberEntity, ReceivedWebhookEntity } from '../../src/db/entities';
import { dataOf } from '../helpers/gateway';
import { messageCalls } from '../helpers/orders';
import { orderInput, SEND, startTestStack, type TestStack } from '../helpers/stack';
import { postWebhook, sign } from '../helpers/webhooks';
import { subscribeWs } from '../helpers/ws';

const BAD_CHARACTERS: Array<[string, string]> = [
  ['NUL', '\u0000'],
  ['U+0001', '\u0001'],
  ['ESC', '\u001b'],
  ['DEL', '\u007f'],
  ['an unpaired surrogate', '\ud800'],
];

type Input = Record<string, any>;

/** Every text field of sendOrderDetails, and how to put a value into it. */
const ORDER_TEXT_FIELDS: Array<[string[], (input: Input, v: string) => void]> = [
  [['input', 'referenceId'], (i, v) => (i.referenceId = `R${v}`)],
  [['input', 'phoneNumberId'], (i, v) => (i.phoneNumberId = `${i.phoneNumberId}${v}`)],
  [['input', 'to'], (i, v) => (i.to = `9198765${v}3210`)],
  [['input', 'paymentConfiguration'], (i, v) => (i.paymentConfiguration = `${i.paymentConfiguration}${v}`)],
  [['input', 'body'], (i, v) => (i.body = `Pay ${v} now`)],
  [['input', 'footer'], (i, v) => (i.footer = `Shop${v}`)],
  [['input', 'catalogId'], (i, v) => (i.catalogId = `cat${v}`)],
  [['input', 'headerImageUrl'], (i, v) => (i.headerImageUrl = `https://cdn.example.com/${v}.jpg`)],
  [['input', 'items', '0', 'retailerId'], (i, v) => (i.items[0].retailerId = `SKU${v}`)],
  [['input', 'items', '0', 'name'], (i, v) => (i.items[0].name = `Shirt${v}`)],
  [['input', 'items', '0', 'countryOfOrigin'], (i, v) => (i.items[0].countryOfOrigin = `India${v}`)],
  [['input', 'items', '0', 'importerName'], (i, v) => (i.items[0].importerName = `Importer${v}`)],
  [['input', 'items', '0', 'importerAddress', 'addressLine1'], (i, v) => (i.items[0].importerAddress.addressLine1 = `12${v} MG Road`)],
  [['input', 'items', '0', 'importerAddress', 'city'], (i, v) => (i.items[0].importerAddress.city = `Bengaluru${v}`)],
  [['input', 'tax', 'description'], (i, v) => (i.tax.description = `GST${v}`)],
  [['input', 'shipping', 'description'], (i, v) => (i.shipping.description = `Fast${v}`)],
  [['input', 'discount', 'description'], (i, v) => (i.discount.description = `Off${v}`)],
  [['input', 'discount', 'programName'], (i, v) => (i.discount.programName = `Prog${v}`)],
  [['input', 'idempotencyKey'], (i, v) => (i.idempotencyKey = `key-${v}`)],
];

describe('hostile text and ids', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack();
  });
  afterAll(() => s.stop());

  const key = () => s.shop.keys.STOREFRONT;
  const orderCount = () => s.t.gateway.db.manager.count(OrderEntity);
  const noFault = (res: { status: number; errors?: Array<{ extensions?: Record<string, any> }> }) => {
    expect(res.status).toBeLessThan(500);
    for (const e of res.errors ?? []) expect(e.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  };

  describe('control characters in a mutation are a userError naming the field; nothing is stored or sent', () => {
    const cases = BAD_CHARACTERS.flatMap(([name, c]) => ORDER_TEXT_FIELDS.map(([field, set]) => ({ name, c, field, set })));
    it.each(cases)('$name in $field', async ({ c, field, set }) => {
      const input = orderInput(s.shop) as Input;
      set(input, c);
      const before = await orderCount();
      const callsBefore = messageCalls(s.sim).length;
      const res = await s.t.gql(SEND, { input }, key());
      noFault(res);
      expect(res.status).toBe(200);
      const payload = dataOf(res).sendOrderDetails;
      expect(payload.order).toBeNull();
      expect(payload.userErrors).toEqual([
        { code: 'INVALID_INPUT', field, whatsappCode: null, message: expect.stringMatching(/must not contain control characters.*found U\+/) },
      ]);
      expect(await orderCount()).toBe(before);
      expect(messageCalls(s.sim)).toHaveLength(callsBefore);
    });
  });

  it('control characters in status changes, verification and tenancy mutations are userErrors naming the field', async () => {
    const sent = dataOf(await s.t.gql(SEND, { input: orderInput(s.shop) }, key())).sendOrderDetails.order;
    const ref = sent.referenceId;
    const mutations: Array<[string, Record<string, unknown>, string[], string?]> = [
      [`mutation($input: UpdateOrderStatusInput!) { updateOrderStatus(input: $input) { order { id } userErrors { code field } } }`, { input: { referenceId: ref, status: 'PROCESSING', description: 'Packing\u0000' } }, ['input', 'description']],
      [`mutation($input: UpdateOrderStatusInput!) { updateOrderStatus(input: $input) { order { id } userErrors { code field } } }`, { input: { referenceId: `${ref}\u0000`, status: 'PROCESSING' } }, ['input', 'referenceId']],
      [`mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { order { id } userErrors { code field } } }`, { input: { referenceId: ref, body: 'Bye\u0000' } }, ['input', 'body']],
      [`mutation($r: String!) { verifyPayment(referenceId: $r) { payment { status } userErrors { code field } } }`, { r: `${ref}\u0000` }, ['referenceId']],
      [`mutation($input: CreateBusinessInput!) { createBusiness(input: $input) { business { id } userErrors { code field } } }`, { input: { name: 'Evil\u0000 Shop' } }, ['input', 'name'], 'admin'],
      [`mutation($input: AddPaymentConfigurationInput!) { addPaymentConfiguration(input: $input) { paymentConfiguration { id } userErrors { code field } } }`, { input: { businessId: s.shop.id, name: 'pc\u0000', gateway: 'RAZORPAY' } }, ['input', 'name'], 'admin'],
      [`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret userErrors { code field } } }`, { input: { businessId: s.shop.id, role: 'OPS', label: 'l\u0000' } }, ['input', 'label'], 'admin'],
      [`mutation($input: AddPhoneNumberInput!) { addPhoneNumber(input: $input) { phoneNumber { id } userErrors { code field } } }`, { input: { businessId: s.shop.id, phoneNumberId: '5550001', provider: 'CLOUD_API', accessToken: 'tok\u0000' } }, ['input', 'accessToken'], 'admin'],
    ];
    const businesses = await s.t.gateway.db.manager.count(BusinessEntity);
    for (const [query, variables, field, who] of mutations) {
      const res = await s.t.gql(query, variables, who === 'admin' ? s.t.adminKey : s.shop.keys.OPS);
      noFault(res);
      const payload = Object.values(dataOf(res))[0] as { userErrors: unknown[] };
      expect(payload.userErrors).toEqual([{ code: 'INVALID_INPUT', field }]);
    }
    expect(await s.t.gateway.db.manager.count(BusinessEntity)).toBe(businesses);
    expect(await s.t.gateway.db.manager.countBy(PhoneNumberEntity, { phoneNumberId: '5550001' })).toBe(0);
    expect((await s.t.gateway.db.manager.findOneByOrFail(OrderEntity, { referenceId: ref })).status).toBe('PENDING');
  });

  it('control characters in query arguments and filters are BAD_USER_INPUT naming the argument', async () => {
    const queries: Array<[string, Record<string, unknown>, string]> = [
      [`query($r: String!) { order(referenceId: $r) { id } }`, { r: 'A\u0000' }, 'referenceId'],
      [`query($r: String!) { payment(referenceId: $r) { status } }`, { r: 'A\u0000' }, 'referenceId'],
      [`query($f: OrderFilter) { orders(filter: $f) { edges { node { id } } } }`, { f: { to: '91\u0000' } }, 'filter.to'],
      [`query($f: OrderFilter) { orders(filter: $f) { edges { node { id } } } }`, { f: { paymentConfiguration: 'x\u0000' } }, 'filter.paymentConfiguration'],
      [`query($f: ReconciliationFilter!) { reconciliation(filter: $f) { edges { node { referenceId } } } }`, { f: { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z', paymentConfiguration: 'x\u0000' } }, 'filter.paymentConfiguration'],
    ];
    for (const [query, variables, field] of queries) {
      const res = await s.t.gql(query, variables, s.shop.keys.OPS);
      noFault(res);
      expect(res.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/must not contain control characters/), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field }) })]);
    }
  });

  it('a subscription with a control character, or an afterEventId no event can have, is refused before it starts', async () => {
    for (const variables of [{ r: 'A\u0000', a: null }, { r: null, a: '9007199254740991' }, { r: null, a: '2147483648' }, { r: null, a: '-1' }, { r: null, a: '1e3' }]) {
      const sub = subscribeWs(s.t.url, s.shop.keys.OPS, `subscription($r: String, $a: ID) { orderEvents(referenceId: $r, afterEventId: $a) { id } }`, variables);
      try {
        await sub.connected;
        for (let i = 0; i < 200 && sub.errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
        expect(sub.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
      } finally {
        await sub.dispose();
      }
    }
  });

  describe('texts longer than their column are refused by validation on both databases', () => {
    const tooLong: Array<[string, string[], (input: Input) => void]> = [
      ['countryOfOrigin of 101 characters', ['input', 'items', '0', 'countryOfOrigin'], (i) => (i.items[0].countryOfOrigin = 'x'.repeat(101))],
      ['importerName of 201 characters', ['input', 'items', '0', 'importerName'], (i) => (i.items[0].importerName = 'x'.repeat(201))],
      ['catalogId of 129 characters', ['input', 'catalogId'], (i) => (i.catalogId = 'x'.repeat(129))],
    ];
    it.each(tooLong)('%s', async (_name, field, set) => {
      const input = orderInput(s.shop) as Input;
      set(input);
      const before = await orderCount();
      const res = await s.t.gql(SEND, { input }, key());
      noFault(res);
      expect(dataOf(res).sendOrderDetails.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field })]);
      expect(await orderCount()).toBe(before);
    });

    it('an apiUrl of 501 characters', async () => {
      const res = await s.t.gql(
        `mutation($input: AddPhoneNumberInput!) { addPhoneNumber(input: $input) { phoneNumber { id } userErrors { code field } } }`,
        { input: { businessId: s.shop.id, phoneNumberId: '5550002', provider: 'CLOUD_API', accessToken: 'tok', apiUrl: `https://example.com/${'x'.repeat(481)}` } },
      );
      noFault(res);
      expect(dataOf(res).addPhoneNumber.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'apiUrl'] }]);
    });
  });

  it('forged cursors are BAD_USER_INPUT on orders and reconciliation, never a first page', async () => {
    const cursor = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
    const uuid = '0b0b0b0b-aaaa-4aaa-8aaa-000000000001';
    const forged = [
      cursor([1e20, uuid]),
      cursor([8.64e15, uuid]),
      cursor([-8e15, uuid]),
      cursor([Date.now(), 'x'.repeat(40)]),
      cursor([Date.now(), uuid, 'extra', 'parts']),
      cursor(['now', uuid]),
      'not-base64-json',
      cursor([Date.now(), `${uuid.slice(0, 35)}\u0000`]),
    ];
    for (const after of forged) {
      const orders = await s.t.gql(`query($a: String) { orders(first: 5, after: $a) { edges { node { id } } } }`, { a: after }, s.shop.keys.OPS);
      noFault(orders);
      expect(orders.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }) })]);
      const rec = await s.t.gql(
        `query($a: String) { reconciliation(filter: { from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z" }, after: $a) { edges { cursor } } }`,
        { a: after },
        s.shop.keys.OPS,
      );
      noFault(rec);
      expect(rec.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('node ids out of range or with control characters answer null, like any unknown id', async () => {
    const id = (raw: string) => Buffer.from(raw, 'utf8').toString('base64url');
    for (const raw of ['OrderEvent:9007199254740991', 'OrderEvent:2147483648', 'OrderEvent:1e3', 'Order:\u0000', 'Business:\u0000x', 'OrderEvent:-1']) {
      const res = await s.t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: id(raw) }, s.shop.keys.OPS);
      noFault(res);
      expect(dataOf(res).node).toBeNull();
    }
  });

  it('the CSV refuses control characters and times no database can hold', async () => {
    const csv = (query: string) => fetch(`${s.t.url}/reconciliation.csv?${query}`, { headers: { authorization: `Bearer ${s.shop.keys.OPS}` } });
    for (const query of [
      'from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z&paymentConfiguration=x%00y',
      'from=-271821-04-20T00:00:00Z&to=2027-01-01T00:00:00Z',
      'from=2026-01-01T00:00:00Z&to=%2B275760-09-13T00:00:00Z',
    ]) {
      const res = await csv(query);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/paymentConfiguration|ISO 8601/);
    }
  });

  it('a signed webhook body with a NUL byte is refused (400) and not stored', async () => {
    const before = await s.t.gateway.db.manager.count(ReceivedWebhookEntity);
    const raw = Buffer.concat([Buffer.from('{"object":"whatsapp_business_account","entry":[]'), Buffer.from([0]), Buffer.from('}')]);
    const res = await postWebhook(s.t, raw, { 'x-hub-signature-256': sign(raw) });
    expect(res.status).toBe(400);
    expect(await s.t.gateway.db.manager.count(ReceivedWebhookEntity)).toBe(before);
  });

  describe('concurrent creates of the same unique thing: one wins, the others get ALREADY_EXISTS', () => {
    const parallel = <T>(n: number, work: () => Promise<T>) => Promise.all(Array.from({ length: n }, work));

    it('20 × addPhoneNumber with one phone number id', async () => {
      const phoneNumberId = `77${Date.now()}`;
      const results = await parallel(20, () =>
        s.t.gql(`mutation($input: AddPhoneNumberInput!) { addPhoneNumber(input: $input) { phoneNumber { id } userErrors { code field } } }`, {
          input: { businessId: s.shop.id, phoneNumberId, provider: 'CLOUD_API', accessToken: 'tok' },
        }),
      );
      results.forEach(noFault);
      const payloads = results.map((r) => dataOf(r).addPhoneNumber);
      expect(payloads.filter((p) => p.phoneNumber).length).toBe(1);
      expect(payloads.filter((p) => !p.phoneNumber).every((p) => p.userErrors[0].code === 'ALREADY_EXISTS')).toBe(true);
      expect(await s.t.gateway.db.manager.countBy(PhoneNumberEntity, { phoneNumberId })).toBe(1);
    });

    it('20 × addPaymentConfiguration with one name', async () => {
      const name = `race-${Date.now()}`;
      const results = await parallel(20, () =>
        s.t.gql(`mutation($input: AddPaymentConfigurationInput!) { addPaymentConfiguration(input: $input) { paymentConfiguration { id } userErrors { code field } } }`, {
          input: { businessId: s.shop.id, name, gateway: 'PAYU' },
        }),
      );
      results.forEach(noFault);
      const payloads = results.map((r) => dataOf(r).addPaymentConfiguration);
      expect(payloads.filter((p) => p.paymentConfiguration).length).toBe(1);
      expect(payloads.filter((p) => !p.paymentConfiguration).every((p) => p.userErrors[0].code === 'ALREADY_EXISTS')).toBe(true);
      expect(await s.t.gateway.db.manager.countBy(PaymentConfigurationEntity, { name })).toBe(1);
    });

    it('20 × createBusiness with one WABA id', async () => {
      const wabaId = `55${Date.now()}`;
      const results = await parallel(20, () =>
        s.t.gql(`mutation($input: CreateBusinessInput!) { createBusiness(input: $input) { business { id } userErrors { code field } } }`, { input: { name: 'Race', wabaId } }),
      );
      results.forEach(noFault);
      const payloads = results.map((r) => dataOf(r).createBusiness);
      expect(payloads.filter((p) => p.business).length).toBe(1);
      expect(payloads.filter((p) => !p.business).every((p) => p.userErrors[0].code === 'ALREADY_EXISTS' && p.userErrors[0].field.join('.') === 'input.wabaId')).toBe(true);
      expect(await s.t.gateway.db.manager.countBy(BusinessEntity, { wabaId })).toBe(1);
    });
  });
});
