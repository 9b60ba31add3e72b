import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from './columns';

/**
 * Sandbox mode's generated secrets and demo keys, kept in the database they belong to: every
 * instance on that database uses the same ones, and a newcomer who switches between databases is
 * always shown keys the current one accepts. One row (id 'sandbox'); never used outside sandbox mode.
 */
@Entity('sandbox_secrets')
export class SandboxSecretsEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 }) id: string;
  @Column({ type: 'text' }) adminApiKey: string;
  /** 64 hex characters */
  @Column({ type: 'text' }) secretsKey: string;
  @Column({ type: 'text' }) appSecret: string;
  @Column({ type: 'text' }) verifyToken: string;
  /** the seeded demo business's keys (only their hashes are in api_keys), so every start can print them */
  @Column({ type: 'text', nullable: true }) storefrontKey: string | null;
  @Column({ type: 'text', nullable: true }) opsKey: string | null;
  /** the demo business's endpoint at the sandbox webhook receiver, and its signing secret (the receiver verifies with it) */
  @Column({ type: 'text', nullable: true }) webhookReceiverEndpointId: string | null;
  @Column({ type: 'text', nullable: true }) webhookReceiverSecret: string | null;
  @TimestampColumn() createdAt: Date;
}
