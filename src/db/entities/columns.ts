import { Column, ColumnOptions, PrimaryColumn } from 'typeorm';

/**
 * Column helpers shared by every entity so both dialects get the same shapes:
 * ids are application-generated UUIDs (no round trip to learn them, no guessable counters);
 * money is an integer of minor units; timestamps are set by the application (millisecond
 * precision on both dialects, whereas sqlite's own defaults keep whole seconds).
 */
export const IdColumn = () => PrimaryColumn({ type: 'varchar', length: 36 });

export const ForeignIdColumn = (options: ColumnOptions = {}) =>
  Column({ type: 'varchar', length: 36, ...options });

export const MoneyColumn = (options: ColumnOptions = {}) => Column({ type: 'integer', ...options });

export const TimestampColumn = (options: ColumnOptions = {}) => Column({ ...options, type: Date });

export const TextColumn = (length: number, options: ColumnOptions = {}) =>
  Column({ type: 'varchar', length, ...options });

export const EnumColumn = (length = 32, options: ColumnOptions = {}) =>
  Column({ type: 'varchar', length, ...options });
