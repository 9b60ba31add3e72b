import { DataSource } from 'typeorm';
import { PhoneNumberEntity } from '../../src/db/entities';
import { dataOf, startTestGateway, TestGateway } from '../helpers/gateway';
import { createBusiness, TestBusiness } from '../helpers/fixtures';

const VIEWER = `{ viewer { role business { id name } } }`;

describe('API keys, roles and tenancy (real server, real database)', () => {
  let t: TestGateway;
  let shopA: TestBusiness;
  let shopB: TestBusiness;

  beforeAll(async () => {
    t = await startTestGateway();
    shopA = await createBusiness(t, { name: 'Shop A' });
    shopB = await createBusiness(t, { name: 'Shop B' });
  });
  afterAll(() => t.stop());

  describe('authentication', () => {
    it('answers UNAUTHENTICATED without a key, naming the header to send', async () => {
      const res = await t.gql(VIEWER, {}, null);
      expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.errors?.[0].message).toMatch(/Authorization: Bearer/);
      expect(res.data).toBeNull();
    });

    it('answers UNAUTHENTICATED for an unknown key and for a malformed header', async () => {
      const bad = await t.gql(VIEWER, {}, 'wpg_storefront_not-a-real-key');
      expect(bad.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(bad.errors?.[0].message).toMatch(/not valid/);
      const malformed = await t.gql(VIEWER, {}, null, { authorization: 'Basic abc' });
      expect(malformed.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(malformed.errors?.[0].message).toMatch(/Bearer <api key>/);
    });

    it('identifies the ADMIN key and each business key', async () => {
      expect(dataOf(await t.gql(VIEWER)).viewer).toEqual({ role: 'ADMIN', business: null });
      for (const role of ['STOREFRONT', 'MOBILE', 'OPS'] as const) {
        const viewer = dataOf(await t.gql(VIEWER, {}, shopA.keys[role])).viewer;
        expect(viewer).toEqual({ role, business: { id: shopA.id, name: 'Shop A' } });
      }
    });

    it('stops accepting a key once it is revoked, and revoking again is a no-op', async () => {
      const created = dataOf(
        await t.gql(`mutation { createApiKey(input: { businessId: "${shopA.id}", role: OPS, label: "temp" }) { apiKey { id role label revokedAt business { name } } secret userErrors { code } } }`),
      ).createApiKey;
      expect(created.apiKey).toMatchObject({ role: 'OPS', label: 'temp', revokedAt: null, business: { name: 'Shop A' } });
      expect(created.secret).toMatch(/^wpg_ops_/);
      expect(dataOf(await t.gql(VIEWER, {}, created.secret)).viewer.role).toBe('OPS');

      const revoked = dataOf(await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } userErrors { code } } }`, { id: created.apiKey.id })).revokeApiKey;
      expect(revoked.userErrors).toEqual([]);
      expect(new Date(revoked.apiKey.revokedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);

      const after = await t.gql(VIEWER, {}, created.secret);
      expect(after.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(after.errors?.[0].message).toMatch(/revoked/);

      const again = dataOf(await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } userErrors { code } } }`, { id: created.apiKey.id })).revokeApiKey;
      expect(again.apiKey.revokedAt).toBe(revoked.apiKey.revokedAt);
    });

    it('refuses to revoke an unknown key with a userError', async () => {
      const res = dataOf(await t.gql(`mutation { revokeApiKey(id: "nope") { apiKey { id } userErrors { code field message } } }`)).revokeApiKey;
      expect(res.apiKey).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['id'] })]);
    });
  });

  describe('roles', () => {
    const adminMutations = [
      `mutation { createBusiness(input: { name: "x" }) { business { id } } }`,
      `mutation { addPaymentConfiguration(input: { businessId: "x", name: "y", gateway: PAYU }) { paymentConfiguration { id } } }`,
      `mutation { addPhoneNumber(input: { businessId: "x", phoneNumberId: "1", provider: CLOUD_API, accessToken: "t" }) { phoneNumber { id } } }`,
      `mutation { createApiKey(input: { role: ADMIN }) { secret } }`,
      `mutation { revokeApiKey(id: "x") { apiKey { id } } }`,
    ];

    it.each(['STOREFRONT', 'MOBILE', 'OPS'] as const)('a %s key gets FORBIDDEN on every ADMIN mutation', async (role) => {
      for (const mutation of adminMutations) {
        const res = await t.gql(mutation, {}, shopA.keys[role]);
        expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
        expect(res.errors?.[0].message).toMatch(new RegExp(`A ${role} key cannot do this; it needs a key with the role ADMIN`));
      }
    });

    it('a MOBILE key cannot send orders, an OPS key cannot either, and only OPS/ADMIN reconcile', async () => {
      const send = `mutation { sendOrderDetails(input: { referenceId: "r", phoneNumberId: "1", to: "919876543210", type: DIGITAL_GOODS, paymentConfiguration: "c", body: "b", items: [] }) { order { id } } }`;
      expect((await t.gql(send, {}, shopA.keys.MOBILE)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect((await t.gql(send, {}, shopA.keys.OPS)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      const reconcile = `{ reconciliation(filter: { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" }) { edges { cursor } } }`;
      expect((await t.gql(reconcile, {}, shopA.keys.STOREFRONT)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect((await t.gql(reconcile, {}, shopA.keys.MOBILE)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    });
  });

  describe('tenancy', () => {
    it('ADMIN sees every business, a business key only its own', async () => {
      const all = dataOf(await t.gql(`{ businesses { name } }`)).businesses.map((b: { name: string }) => b.name);
      expect(all).toEqual(expect.arrayContaining(['Shop A', 'Shop B']));
      const own = dataOf(await t.gql(`{ businesses { name phoneNumbers { phoneNumberId } paymentConfigurations { name gateway status } } }`, {}, shopB.keys.OPS)).businesses;
      expect(own).toEqual([
        {
          name: 'Shop B',
          phoneNumbers: [{ phoneNumberId: shopB.phoneNumberId }],
          paymentConfigurations: [{ name: shopB.paymentConfiguration, gateway: 'RAZORPAY', status: null }],
        },
      ]);
    });

    it("node(id) returns a business's own records and null for another business's, exactly like a missing id", async () => {
      const b = dataOf(await t.gql(`{ businesses { id phoneNumbers { id } paymentConfigurations { id } } }`, {}, shopB.keys.OPS)).businesses[0];
      const ids = [b.id, b.phoneNumbers[0].id, b.paymentConfigurations[0].id];
      const nodeQuery = `query($id: ID!) { node(id: $id) { id __typename } }`;
      for (const id of ids) {
        expect(dataOf(await t.gql(nodeQuery, { id }, shopB.keys.MOBILE)).node).toEqual({ id, __typename: expect.any(String) });
        expect(dataOf(await t.gql(nodeQuery, { id }, shopA.keys.OPS)).node).toBeNull();
        expect(dataOf(await t.gql(nodeQuery, { id })).node).toMatchObject({ id });
      }
      expect(dataOf(await t.gql(nodeQuery, { id: 'not-a-global-id!' }, shopB.keys.OPS)).node).toBeNull();
      expect(dataOf(await t.gql(nodeQuery, { id: Buffer.from('Order:missing').toString('base64url') }, shopB.keys.OPS)).node).toBeNull();
    });

    it('node(id) resolves each type by its global id', async () => {
      const b = dataOf(await t.gql(`{ businesses { id phoneNumbers { id } paymentConfigurations { id } } }`, {}, shopA.keys.OPS)).businesses[0];
      const res = dataOf(
        await t.gql(
          `query($b: ID!, $p: ID!, $c: ID!) {
            b: node(id: $b) { ... on Business { name } }
            p: node(id: $p) { ... on PhoneNumber { phoneNumberId provider } }
            c: node(id: $c) { ... on PaymentConfiguration { name } }
          }`,
          { b: b.id, p: b.phoneNumbers[0].id, c: b.paymentConfigurations[0].id },
          shopA.keys.STOREFRONT,
        ),
      );
      expect(res).toEqual({
        b: { name: 'Shop A' },
        p: { phoneNumberId: shopA.phoneNumberId, provider: 'CLOUD_API' },
        c: { name: shopA.paymentConfiguration },
      });
    });

    it('API keys are visible through node only to ADMIN', async () => {
      const created = dataOf(await t.gql(`mutation { createApiKey(input: { businessId: "${shopA.id}", role: MOBILE }) { apiKey { id } } }`)).createApiKey;
      const query = `query($id: ID!) { node(id: $id) { ... on ApiKey { role } } }`;
      expect(dataOf(await t.gql(query, { id: created.apiKey.id })).node).toEqual({ role: 'MOBILE' });
      expect(dataOf(await t.gql(query, { id: created.apiKey.id }, shopA.keys.OPS)).node).toBeNull();
    });
  });

  describe('admin mutations', () => {
    it('validates createBusiness input and refuses a duplicate WABA id', async () => {
      const blank = dataOf(await t.gql(`mutation { createBusiness(input: { name: "  " }) { business { id } userErrors { code field message } } }`)).createBusiness;
      expect(blank).toEqual({ business: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'name'], message: 'name must be 1-200 characters' }] });
      const first = dataOf(await t.gql(`mutation { createBusiness(input: { name: "W", wabaId: "555000" }) { business { wabaId } userErrors { code } } }`)).createBusiness;
      expect(first).toEqual({ business: { wabaId: '555000' }, userErrors: [] });
      const dup = dataOf(await t.gql(`mutation { createBusiness(input: { name: "W2", wabaId: "555000" }) { business { id } userErrors { code field } } }`)).createBusiness;
      expect(dup).toEqual({ business: null, userErrors: [{ code: 'ALREADY_EXISTS', field: ['input', 'wabaId'] }] });
      const badWaba = dataOf(await t.gql(`mutation { createBusiness(input: { name: "W3", wabaId: "abc" }) { userErrors { code field } } }`)).createBusiness;
      expect(badWaba.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'wabaId'] }]);
    });

    it('a phone number id belongs to one business only', async () => {
      const res = dataOf(
        await t.gql(`mutation($input: AddPhoneNumberInput!) { addPhoneNumber(input: $input) { phoneNumber { id } userErrors { code field message } } }`, {
          input: { businessId: shopB.id, phoneNumberId: shopA.phoneNumberId, provider: 'DIALOG360', accessToken: 'k' },
        }),
      ).addPhoneNumber;
      expect(res.phoneNumber).toBeNull();
      expect(res.userErrors).toEqual([expect.objectContaining({ code: 'ALREADY_EXISTS', field: ['input', 'phoneNumberId'] })]);
      expect(res.userErrors[0].message).toMatch(/belongs to one business only/);
    });

    it('validates addPhoneNumber fields and an unknown business', async () => {
      const res = dataOf(
        await t.gql(`mutation($input: AddPhoneNumberInput!) { addPhoneNumber(input: $input) { phoneNumber { id } userErrors { code field } } }`, {
          input: { businessId: shopB.id, phoneNumberId: '12ab', provider: 'CLOUD_API', accessToken: ' ', apiUrl: 'ftp://x' },
        }),
      ).addPhoneNumber;
      expect(res.userErrors.map((e: { field: string[] }) => e.field.join('.'))).toEqual(['input.phoneNumberId', 'input.accessToken', 'input.apiUrl']);
      const unknown = dataOf(
        await t.gql(`mutation($input: AddPhoneNumberInput!) { addPhoneNumber(input: $input) { userErrors { code field } } }`, {
          input: { businessId: 'QnVzaW5lc3M6bm9wZQ', phoneNumberId: '123', provider: 'CLOUD_API', accessToken: 'x' },
        }),
      ).addPhoneNumber;
      expect(unknown.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'businessId'] }]);
    });

    it('payment configuration names are unique per business, not globally', async () => {
      const add = (businessId: string, name: string) =>
        t.gql(`mutation { addPaymentConfiguration(input: { businessId: "${businessId}", name: "${name}", gateway: PAYU }) { paymentConfiguration { name gateway } userErrors { code field } } }`);
      expect(dataOf(await add(shopA.id, 'shared-name')).addPaymentConfiguration).toEqual({ paymentConfiguration: { name: 'shared-name', gateway: 'PAYU' }, userErrors: [] });
      expect(dataOf(await add(shopB.id, 'shared-name')).addPaymentConfiguration.userErrors).toEqual([]);
      expect(dataOf(await add(shopA.id, 'shared-name')).addPaymentConfiguration).toEqual({
        paymentConfiguration: null,
        userErrors: [{ code: 'ALREADY_EXISTS', field: ['input', 'name'] }],
      });
      expect(dataOf(await add(shopA.id, 'bad/name')).addPaymentConfiguration.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'name'] }]);
    });

    it('createApiKey needs a business for every role but ADMIN, and none for ADMIN', async () => {
      const create = (input: string) => t.gql(`mutation { createApiKey(input: ${input}) { apiKey { role business { id } } secret userErrors { code field } } }`);
      expect(dataOf(await create(`{ role: STOREFRONT }`)).createApiKey).toEqual({ apiKey: null, secret: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'businessId'] }] });
      expect(dataOf(await create(`{ role: ADMIN, businessId: "${shopA.id}" }`)).createApiKey.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'businessId'] }]);
      const admin = dataOf(await create(`{ role: ADMIN, label: "second operator" }`)).createApiKey;
      expect(admin.apiKey).toEqual({ role: 'ADMIN', business: null });
      expect(dataOf(await t.gql(VIEWER, {}, admin.secret)).viewer).toEqual({ role: 'ADMIN', business: null });
    });
  });

  describe('secrets at rest', () => {
    it('stores access tokens encrypted and API keys only as hashes', async () => {
      const ds: DataSource = t.gateway.db.dataSource;
      const phone = await ds.manager.findOneByOrFail(PhoneNumberEntity, { phoneNumberId: shopA.phoneNumberId });
      expect(phone.accessTokenEncrypted).toMatch(/^v1\./);
      expect(phone.accessTokenEncrypted).not.toContain('token-');
      const rows: Array<Record<string, unknown>> = await ds.query('SELECT * FROM api_keys');
      const dump = JSON.stringify(rows);
      for (const key of Object.values(shopA.keys)) expect(dump).not.toContain(key);
    });

    it('offers no field through which an access token could be read', async () => {
      const res = dataOf(await t.gql(`{ __type(name: "PhoneNumber") { fields { name } } }`));
      expect(res.__type.fields.map((f: { name: string }) => f.name).sort()).toEqual(['displayPhoneNumber', 'id', 'phoneNumberId', 'provider']);
    });
  });
});
