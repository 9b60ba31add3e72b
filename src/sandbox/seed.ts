import type { Database } from '../db/database';
import { BusinessEntity, PaymentConfigurationEntity, PhoneNumberEntity } from '../db/entities';
import type { Services } from '../services';
import type { ServiceContext } from '../services/context';
import { ENV_ADMIN_KEY_ID } from '../services/auth';

export const DEMO = {
  businessName: 'Demo Store',
  wabaId: '102290129340398',
  phoneNumberId: '106540352242922',
  displayPhoneNumber: '15550783881',
  paymentConfiguration: 'demo-razorpay',
  customer: '919876543210',
} as const;

export interface SeededKeys {
  storefrontKey: string;
  opsKey: string;
}

/**
 * The first sandbox start on a database creates a demo business that matches the wire samples
 * (same WABA and phone number ids), so a newcomer can send an order without any setup, and its
 * STOREFRONT and OPS keys. It resumes what an interrupted seed left (each part is found before it
 * is made); it runs only while the database holds no demo keys (see gateway.ts).
 */
export async function seedSandbox(db: Database, services: Services): Promise<SeededKeys> {
  const ctx: ServiceContext = {
    principal: { keyId: ENV_ADMIN_KEY_ID, role: 'ADMIN', businessId: null },
    requestId: 'sandbox-seed',
  };
  const { tenancy } = services;
  const business =
    (await db.manager.findOneBy(BusinessEntity, { wabaId: DEMO.wabaId })) ??
    (await tenancy.createBusiness(ctx, { name: DEMO.businessName, wabaId: DEMO.wabaId })).business;
  if (!business) throw new Error('sandbox seed could not create the demo business');
  if (!(await db.manager.existsBy(PhoneNumberEntity, { phoneNumberId: DEMO.phoneNumberId }))) {
    await tenancy.addPhoneNumber(ctx, {
      businessId: business.id,
      phoneNumberId: DEMO.phoneNumberId,
      displayPhoneNumber: DEMO.displayPhoneNumber,
      provider: 'CLOUD_API',
      accessToken: 'sandbox-access-token',
    });
  }
  if (!(await db.manager.existsBy(PaymentConfigurationEntity, { businessId: business.id, name: DEMO.paymentConfiguration }))) {
    await tenancy.addPaymentConfiguration(ctx, { businessId: business.id, name: DEMO.paymentConfiguration, gateway: 'RAZORPAY' });
  }
  const storefront = await tenancy.createApiKey(ctx, { businessId: business.id, role: 'STOREFRONT', label: 'demo storefront' });
  const ops = await tenancy.createApiKey(ctx, { businessId: business.id, role: 'OPS', label: 'demo ops dashboard' });
  if (!storefront.secret || !ops.secret) throw new Error('sandbox seed could not create the demo API keys');
  return { storefrontKey: storefront.secret, opsKey: ops.secret };
}
