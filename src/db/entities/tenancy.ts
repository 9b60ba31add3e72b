import { Column, Entity, Index } from 'typeorm';
import type { ApiKeyRole, PaymentGateway, UpstreamProvider } from '../../domain/types';
import * as L from '../../domain/limits';
import { EnumColumn, ForeignIdColumn, IdColumn, TextColumn, TimestampColumn } from './columns';

@Entity('businesses')
export class BusinessEntity {
  @IdColumn() id: string;
  @TextColumn(L.MAX_BUSINESS_NAME) name: string;
  @Index({ unique: true }) @TextColumn(L.MAX_WABA_ID, { nullable: true }) wabaId: string | null;
  @TimestampColumn() createdAt: Date;
}

@Entity('phone_numbers')
export class PhoneNumberEntity {
  @IdColumn() id: string;
  @Index() @ForeignIdColumn() businessId: string;
  /** WhatsApp's id of the number; one business only, since webhooks are routed by it */
  @Index({ unique: true }) @TextColumn(L.MAX_PHONE_NUMBER_ID) phoneNumberId: string;
  @TextColumn(L.MAX_DISPLAY_PHONE_NUMBER, { nullable: true }) displayPhoneNumber: string | null;
  @EnumColumn() provider: UpstreamProvider;
  /** AES-256-GCM ciphertext (see secrets.ts); never selected into API responses */
  @Column({ type: 'text' }) accessTokenEncrypted: string;
  @TextColumn(L.MAX_API_URL, { nullable: true }) apiUrl: string | null;
  @TimestampColumn() createdAt: Date;
}

@Entity('payment_configurations')
@Index(['businessId', 'name'], { unique: true })
export class PaymentConfigurationEntity {
  @IdColumn() id: string;
  @ForeignIdColumn() businessId: string;
  @TextColumn(L.MAX_PAYMENT_CONFIGURATION) name: string;
  @EnumColumn() gateway: PaymentGateway;
  @TextColumn(64, { nullable: true }) status: string | null;
  @TimestampColumn() createdAt: Date;
  @TimestampColumn() updatedAt: Date;
}

@Entity('api_keys')
export class ApiKeyEntity {
  @IdColumn() id: string;
  @Index() @ForeignIdColumn({ nullable: true }) businessId: string | null;
  @EnumColumn() role: ApiKeyRole;
  @TextColumn(L.MAX_API_KEY_LABEL, { nullable: true }) label: string | null;
  /** SHA-256 of the secret: a leaked database does not leak usable keys */
  @Index({ unique: true }) @TextColumn(64) secretHash: string;
  @TimestampColumn() createdAt: Date;
  @TimestampColumn({ nullable: true }) revokedAt: Date | null;
}
