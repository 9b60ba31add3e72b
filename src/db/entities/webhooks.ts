import { Column, Entity, Index } from 'typeorm';
import type { OrderEventType } from '../../domain/types';
import { EnumColumn, ForeignIdColumn, IdColumn, TextColumn, TimestampColumn } from './columns';

export type WebhookDeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** Where a business wants its order events delivered (Standard Webhooks, signed with its secret). */
@Entity('webhook_endpoints')
@Index(['businessId', 'createdAt'])
export class WebhookEndpointEntity {
  @IdColumn() id: string;
  @ForeignIdColumn() businessId: string;
  @TextColumn(2048) url: string;
  /** the OrderEventType values delivered, comma-separated; '' means every type */
  @Column({ type: 'text' }) eventTypes: string;
  @Column({ type: 'boolean' }) enabled: boolean;
  @TextColumn(500, { nullable: true }) description: string | null;
  /** AES-256-GCM ciphertext of the whsec_ secret (see secrets.ts); the API never shows it again */
  @Column({ type: 'text' }) secretEncrypted: string;
  /** after a rotation: the old secret, which keeps signing too until previousSecretExpiresAt */
  @Column({ type: 'text', nullable: true }) previousSecretEncrypted: string | null;
  @TimestampColumn({ nullable: true }) previousSecretExpiresAt: Date | null;
  @TimestampColumn() createdAt: Date;
  @TimestampColumn() updatedAt: Date;
}

/**
 * One event to one endpoint. The body is fixed when the delivery is made (the event and the order
 * as they were after it), so every attempt sends the same bytes; only the timestamp and signature
 * headers are made per attempt. While PENDING its sending is an outbox job (kind BUSINESS_WEBHOOK).
 */
@Entity('webhook_deliveries')
@Index(['endpointId', 'createdAt', 'id'])
@Index(['status'])
export class WebhookDeliveryEntity {
  @IdColumn() id: string;
  @ForeignIdColumn() endpointId: string;
  @ForeignIdColumn() businessId: string;
  /** the order event delivered; its global id is the webhook-id header */
  @Column({ type: 'integer' }) eventId: number;
  @EnumColumn() eventType: OrderEventType;
  @ForeignIdColumn() orderId: string;
  @TextColumn(35) referenceId: string;
  @Column({ type: 'text' }) payload: string;
  @EnumColumn() status: WebhookDeliveryStatus;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ type: 'integer', nullable: true }) lastStatusCode: number | null;
  @Column({ type: 'text', nullable: true }) lastError: string | null;
  @TimestampColumn({ nullable: true }) nextAttemptAt: Date | null;
  @TimestampColumn({ nullable: true }) deliveredAt: Date | null;
  @TimestampColumn() createdAt: Date;
}

/** Every attempt of a delivery, as it went. */
@Entity('webhook_delivery_attempts')
@Index(['deliveryId', 'id'])
export class WebhookDeliveryAttemptEntity {
  @Column({ type: 'integer', primary: true, generated: 'increment' }) id: number;
  @ForeignIdColumn() deliveryId: string;
  @TimestampColumn() at: Date;
  /** the HTTP status of the answer, where there was one */
  @Column({ type: 'integer', nullable: true }) statusCode: number | null;
  /** why it failed; null when it succeeded */
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ type: 'integer' }) durationMs: number;
}
