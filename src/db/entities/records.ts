import { Column, Entity, Index } from 'typeorm';
import { MAX_IDEMPOTENCY_KEY } from '../../domain/limits';
import type { WebhookAuthMechanism } from '../../domain/types';
import { EnumColumn, IdColumn, TextColumn, TimestampColumn } from './columns';

export type WebhookState = 'RECEIVED' | 'PROCESSED' | 'FAILED';

/** Every authenticated webhook body, stored before WhatsApp gets its 200. */
@Entity('received_webhooks')
@Index(['state', 'receivedAt'])
export class ReceivedWebhookEntity {
  @IdColumn() id: string;
  /** the exact bytes that were authenticated, as UTF-8 */
  @Column({ type: 'text' }) body: string;
  /** SHA-256 of the body: an identical redelivery is recognised */
  @Index() @TextColumn(64) bodyHash: string;
  @EnumColumn() authenticatedBy: WebhookAuthMechanism;
  @EnumColumn() state: WebhookState;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @TimestampColumn({ nullable: true }) lockedUntil: Date | null;
  @TimestampColumn() receivedAt: Date;
  @TimestampColumn({ nullable: true }) processedAt: Date | null;
}

/** The first result of a state-changing mutation, replayed for the same key and input. */
@Entity('idempotency_records')
@Index(['scope', 'key'], { unique: true })
export class IdempotencyRecordEntity {
  @IdColumn() id: string;
  /** the API key's id: keys of different callers never collide */
  @TextColumn(64) scope: string;
  @TextColumn(MAX_IDEMPOTENCY_KEY) key: string;
  @TextColumn(64) operation: string;
  @TextColumn(64) requestHash: string;
  /** null while the first request is still running */
  @Column({ type: 'text', nullable: true }) response: string | null;
  @TimestampColumn() createdAt: Date;
  @Index() @TimestampColumn() expiresAt: Date;
}
