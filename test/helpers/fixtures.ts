import { dataOf, TestGateway } from './gateway';

export interface TestBusiness {
  id: string;
  name: string;
  phoneNumberId: string;
  paymentConfiguration: string;
  keys: { STOREFRONT: string; MOBILE: string; OPS: string };
}

let counter = 0;

/** A business with one phone number, one payment configuration and a key of each role. */
export async function createBusiness(
  t: TestGateway,
  opts: { name?: string; phoneNumberId?: string; apiUrl?: string; provider?: 'CLOUD_API' | 'DIALOG360' } = {},
): Promise<TestBusiness> {
  counter++;
  const name = opts.name ?? `Shop ${counter}`;
  const phoneNumberId = opts.phoneNumberId ?? `${100000000000000 + Math.floor(Math.random() * 1e12) + counter}`;
  const created = dataOf(
    await t.gql(`mutation($input: CreateBusinessInput!) { createBusiness(input: $input) { business { id } userErrors { code message } } }`, {
      input: { name },
    }),
  ).createBusiness;
  const id = created.business.id as string;
  dataOf(
    await t.gql(
      `mutation($input: AddPhoneNumberInput!) { addPhoneNumber(input: $input) { phoneNumber { id } userErrors { code message } } }`,
      { input: { businessId: id, phoneNumberId, provider: opts.provider ?? 'CLOUD_API', accessToken: `token-${counter}`, apiUrl: opts.apiUrl } },
    ),
  );
  const paymentConfiguration = `razorpay-${counter}`;
  dataOf(
    await t.gql(
      `mutation($input: AddPaymentConfigurationInput!) { addPaymentConfiguration(input: $input) { paymentConfiguration { id } userErrors { code } } }`,
      { input: { businessId: id, name: paymentConfiguration, gateway: 'RAZORPAY' } },
    ),
  );
  const keys = {} as TestBusiness['keys'];
  for (const role of ['STOREFRONT', 'MOBILE', 'OPS'] as const) {
    const res = dataOf(
      await t.gql(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret userErrors { code } } }`, {
        input: { businessId: id, role },
      }),
    );
    keys[role] = res.createApiKey.secret;
  }
  return { id, name, phoneNumberId, paymentConfiguration, keys };
}
