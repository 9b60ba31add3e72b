import type { Config } from '../config';
import type { Database } from '../db/database';
import { PhoneNumberEntity } from '../db/entities';
import { decryptSecret } from '../db/secrets';
import { createWhatsAppClient, WhatsAppClient } from '../whatsapp/client';

/**
 * The WhatsApp client of each business phone number: its provider, base URL and decrypted token.
 * Clients are cached briefly so the hot path does not decrypt on every call, yet a changed
 * phone number is picked up within a minute.
 */
export class UpstreamClients {
  private readonly cache = new Map<string, { client: WhatsAppClient; until: number }>();
  private static readonly TTL_MS = 60_000;

  constructor(
    private readonly db: Database,
    private readonly config: Pick<Config, 'whatsappApiUrl' | 'whatsappApiVersion' | 'dialog360ApiUrl' | 'dialog360RefundPath' | 'upstreamTimeoutMs'>,
    private readonly secretsKey: Buffer,
  ) {}

  async forPhoneNumber(phoneNumberId: string): Promise<WhatsAppClient> {
    const cached = this.cache.get(phoneNumberId);
    if (cached && cached.until > Date.now()) return cached.client;
    const phone = await this.db.manager.findOne(PhoneNumberEntity, { where: { phoneNumberId } });
    if (!phone) throw new Error(`phone number ${phoneNumberId} is not registered`);
    const client = createWhatsAppClient({
      provider: phone.provider,
      baseUrl: phone.apiUrl ?? (phone.provider === 'DIALOG360' ? this.config.dialog360ApiUrl : this.config.whatsappApiUrl),
      apiVersion: this.config.whatsappApiVersion,
      phoneNumberId: phone.phoneNumberId,
      accessToken: decryptSecret(phone.accessTokenEncrypted, this.secretsKey),
      timeoutMs: this.config.upstreamTimeoutMs,
      dialog360RefundPath: this.config.dialog360RefundPath,
    });
    this.cache.set(phoneNumberId, { client, until: Date.now() + UpstreamClients.TTL_MS });
    return client;
  }
}
