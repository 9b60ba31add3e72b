import { Column, Entity, Index } from 'typeorm';
import type { ApiKeyRole, PaymentGateway, UpstreamProvider } from '../../domain/types';
import { EnumColumn, ForeignIdColumn, IdColumn, TextColumn, TimestampColumn } from './columns';

@Entity('businesses')
export class BusinessEntity {
  @IdColumn() id: string;
  @TextColumn(200) name: string;
  @TextColumn(64, { nullable: true }) wabaId: string | null;
  @TimestampColumn() createdAt: Date;
}

@Entity('phone_numbers')
export class PhoneNumberEntity {
  @IdColumn() id: string;
  @Index() @ForeignIdColumn() businessId: string;
  /** WhatsApp's id of the number; one business only, since webhooks are routed by it */
  @Index({ unique: true }) @TextColumn(64) phoneNumberId: string;
  @TextColumn(32, { nullable: true }) displayPhoneNumber: string | null;
  @EnumColumn() provider: UpstreamProvider;
  /** AES-256-GCM ciphertext (see secrets.ts); never selected into API responses */
  @Column({ type: 'text' }) accessTokenEncrypted: string;
  @TextColumn(500, { nullable: true }) apiUrl: string | null;
  @TimestampColumn() createdAt: Date;
}

@Entity('payment_configurations')
@Index(['businessId', 'name'], { unique: true })
export class PaymentConfigurationEntity {
  @IdColumn() id: string;
  @ForeignIdColumn() businessId: string;
  @TextColumn(60) name: string;
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
  @TextColumn(200, { nullable: true }) label: string | null;
  /** SHA-256 of the secret: a leaked database does not leak usable keys */
  @Index({ unique: true }) @TextColumn(64) secretHash: string;
  @TimestampColumn() createdAt: Date;
  @TimestampColumn({ nullable: true }) revokedAt: Date | null;
}
