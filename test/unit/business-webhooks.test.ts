import { Webhook } from 'standardwebhooks';
import { refusedRange } from '../../src/business-webhooks/address-guard';
import { webhookBody, webhookId } from '../../src/business-webhooks/payload';
import { generateWebhookSecret, signWebhook } from '../../src/business-webhooks/signing';
import { ConfigError, loadConfig } from '../../src/config';
import { toGlobalId } from '../../src/graphql/global-id';

describe('address classification (SSRF)', () => {
  it.each(['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:2800:220:1::1', '2001:4860:4860::8888', '::ffff:93.184.216.34'])(
    '%s is a public address',
    (address) => expect(refusedRange(address)).toBeNull(),
  );

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.255.0.1', 'private'],
    ['172.16.0.0', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.0.1', 'linkLocal'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.0', 'carrierGradeNat'],
    ['100.127.255.255', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['239.1.2.3', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fdff:ffff::1', 'uniqueLocal'],
    ['ff02::fb', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:192.168.1.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['::ffff:100.64.1.1', 'carrierGradeNat'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:a00:1::1', '6to4'],
    ['2001:0:4136:e378::1', 'teredo'],
    ['2001:db8::1', 'reserved'],
    ['::127.0.0.1', 'loopback'],
    ['100::1', 'discard'],
    ['::102:304', 'not global unicast'],
    ['4000::1', 'not global unicast'],
    ['example.com', 'not an IP address'],
  ])('%s is refused (%s)', (address, range) => expect(refusedRange(address)).toBe(range));
});

describe('Standard Webhooks signatures', () => {
  const body = JSON.stringify({ type: 'PAYMENT_STATUS_CHANGED', data: { referenceId: 'A1001-1', note: 'ü€ ✓' } });

  it('a new secret is whsec_ and 32 random bytes in base64', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it('signs exactly as the reference library does, and the library verifies it', () => {
    const secret = generateWebhookSecret();
    const at = new Date();
    const headers = signWebhook('T3JkZXJFdmVudDo0Mg', body, [secret], at);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('T3JkZXJFdmVudDo0Mg', at, body));
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('with two secrets (a rotation) both signatures are there, and either secret verifies', () => {
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const headers = signWebhook('msg_1', body, [current, previous]);
    const signatures = headers['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith('v1,'))).toBe(true);
    expect(new Webhook(current).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow('No matching signature found');
    expect(() => new Webhook(current).verify(body + ' ', { ...headers })).toThrow('No matching signature found');
  });
});

describe('the webhook body', () => {
  it('is the contract layout, ids as the API gives them', () => {
    const at = new Date('2026-11-26T10:20:30.456Z');
    const body = JSON.parse(
      webhookBody(
        { id: 42, businessId: 'b-1', referenceId: 'A1001-1', type: 'PAYMENT_STATUS_CHANGED', source: 'LOOKUP', fromStatus: 'PENDING', toStatus: 'CAPTURED', detail: null, at },
        {
          referenceId: 'A1001-1',
          status: 'PENDING',
          total: 52000,
          offset: 100,
          currency: 'INR',
          payment: { status: 'CAPTURED', verified: true, amount: { value: 52000, offset: 100, currency: 'INR' }, refundedAmount: 0 },
        },
      ),
    );
    expect(body).toEqual({
      type: 'PAYMENT_STATUS_CHANGED',
      timestamp: '2026-11-26T10:20:30.456Z',
      data: {
        eventId: toGlobalId('OrderEvent', 42),
        businessId: toGlobalId('Business', 'b-1'),
        referenceId: 'A1001-1',
        type: 'PAYMENT_STATUS_CHANGED',
        source: 'LOOKUP',
        fromStatus: 'PENDING',
        toStatus: 'CAPTURED',
        detail: null,
        order: {
          referenceId: 'A1001-1',
          status: 'PENDING',
          total: { value: 52000, offset: 100, currency: 'INR' },
          payment: { status: 'CAPTURED', verified: true, amount: { value: 52000, offset: 100, currency: 'INR' }, refundedAmount: { value: 0, offset: 100, currency: 'INR' } },
        },
      },
    });
    expect(webhookId(42)).toBe(body.data.eventId);
  });
});

describe('OUTBOUND_WEBHOOKS_ALLOW_PRIVATE', () => {
  const production = { SECRETS_KEY: 'ab'.repeat(32), ADMIN_API_KEY: 'x'.repeat(32), WHATSAPP_APP_SECRET: 's', WHATSAPP_VERIFY_TOKEN: 'v', WHATSAPP_API_URL: 'https://graph.facebook.com' };

  it('is false outside the sandbox, true in it, and whatever is set otherwise', () => {
    expect(loadConfig(production).outboundWebhooksAllowPrivate).toBe(false);
    expect(loadConfig({}).outboundWebhooksAllowPrivate).toBe(true);
    expect(loadConfig({ ...production, OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: 'true' }).outboundWebhooksAllowPrivate).toBe(true);
    expect(loadConfig({ OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: 'false' }).outboundWebhooksAllowPrivate).toBe(false);
  });

  it('must be true or false', () => {
    expect(() => loadConfig({ ...production, OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: 'yes' })).toThrow(ConfigError);
    try {
      loadConfig({ ...production, OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: 'yes' });
    } catch (err) {
      expect((err as ConfigError).problems).toEqual(['OUTBOUND_WEBHOOKS_ALLOW_PRIVATE must be "true" or "false"']);
    }
  });
});
