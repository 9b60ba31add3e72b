import { Column, Entity, Index } from 'typeorm';
import { ForeignIdColumn, TextColumn, TimestampColumn } from './columns';

/** What an outbox job delivers; each kind has its handler (src/services/outbox*.ts). */
export type OutboxKind = 'WHATSAPP_MESSAGE' | 'REFUND' | 'BUSINESS_WEBHOOK';

/**
 * One durable outbound call still to be made: a WhatsApp message, a refund request, a webhook to
 * the business. The row is written in the same transaction as the change that causes the call and
 * deleted in the transaction that records its final outcome, so the table holds exactly the work in
 * flight. What the call is about (the message, the refund, the delivery) lives in its own table,
 * `subjectId`; this row carries only the delivery's mechanics, the same for every kind.
 */
@Entity('outbox')
@Index(['nextAttemptAt'])
@Index(['sequenceKey', 'id'])
@Index(['kind', 'subjectId'], { unique: true })
export class OutboxEntity {
  /** increasing: jobs with the same sequenceKey go out one at a time, in this order */
  @Column({ type: 'integer', primary: true, generated: 'increment' }) id: number;
  @TextColumn(32) kind: OutboxKind;
  @ForeignIdColumn() subjectId: string;
  @ForeignIdColumn() businessId: string;
  /** e.g. the order: a job waits while an earlier job with the same key is in flight */
  @TextColumn(100) sequenceKey: string;
  /** calls made so far (an answer that was settled by asking WhatsApp does not count) */
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @TimestampColumn() nextAttemptAt: Date;
  /** a worker's (or the creating request's) lease; still set when its holder died mid-call */
  @TimestampColumn({ nullable: true }) lockedUntil: Date | null;
  /** the last call may have reached the other side without its answer reaching us */
  @Column({ type: 'boolean', default: false }) outcomeUnknown: boolean;
  @Column({ type: 'text', nullable: true }) lastError: string | null;
  /** no more attempts after this time (besides the attempts cap of the kind) */
  @TimestampColumn({ nullable: true }) giveUpAt: Date | null;
  @TimestampColumn() createdAt: Date;
}
