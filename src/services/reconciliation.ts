import { Brackets } from 'typeorm';
import type { Database } from '../db/database';
import { OrderEntity, PaymentEntity, TransactionEntity } from '../db/entities';
import type { PaymentGateway, PaymentStatus, TransactionStatus } from '../domain/types';
import { scopedBusinessId, ServiceContext } from './context';
import { decodeCursor, encodeCursor } from './cursors';
import { InvalidQueryArgument } from './invalid-query-argument';

export const MAX_RECONCILIATION_PAGE = 1000;

export interface ReconciliationFilterRequest {
  from: Date;
  to: Date;
  paymentConfiguration?: string | null;
  paymentStatus?: PaymentStatus[] | null;
}

export interface ReconciliationRowData {
  referenceId: string;
  paymentConfiguration: string;
  gateway: PaymentGateway;
  transactionId: string | null;
  pgTransactionId: string | null;
  orderTotal: { value: number; offset: number; currency: string };
  paidAmount: { value: number; offset: number; currency: string } | null;
  paymentStatus: PaymentStatus;
  transactionStatus: TransactionStatus | null;
  verified: boolean;
  capturedAt: Date | null;
  /** Razorpay's receipt sent with the order (what the PG's reports show next to its order) */
  receipt: string | null;
  /**
   * the sum of SUCCEEDED refunds of the payment, on the row of the capture (its successful
   * transaction, or the payment without transactions); null on the other rows, so a column sum
   * counts each refund once
   */
  refundedAmount: { value: number; offset: number; currency: string } | null;
  /** when the row happened: the transaction's time, or the order's when it has none */
  at: Date;
}

export interface ReconciliationPage {
  edges: Array<{ cursor: string; node: ReconciliationRowData }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

interface RawRow {
  at: string | Date;
  orderId: string;
  txKey: number | string;
  referenceId: string;
  paymentConfiguration: string;
  orderGateway: PaymentGateway;
  total: number;
  offset: number;
  currency: string;
  paymentStatus: PaymentStatus;
  verified: boolean | number;
  paymentAmount: number | null;
  paymentAmountOffset: number | null;
  paymentCurrency: string | null;
  transactionId: string | null;
  txGateway: PaymentGateway | null;
  pgTransactionId: string | null;
  txStatus: TransactionStatus | null;
  txAmount: number | null;
  txAmountOffset: number | null;
  txCurrency: string | null;
  txUpdatedAt: string | Date | null;
  /** the order's PG fields as stored (JSON text) */
  gatewayFields: string | null;
  /** sum of the payment's SUCCEEDED refunds (minor units of the payment) */
  refunded: number | string | null;
}

/**
 * What a finance team matches against its payment gateway's settlement report: one row per
 * transaction WhatsApp reported (reference id + transaction ids), and one per order that has no
 * transaction yet, in the period. Keyset-paginated on (time, order, transaction).
 */
export class ReconciliationService {
  constructor(private readonly db: Database) {}

  async rows(ctx: ServiceContext, filter: ReconciliationFilterRequest, first: number, after?: string | null): Promise<ReconciliationPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_RECONCILIATION_PAGE) {
      throw new InvalidQueryArgument('first', `first must be from 1 to ${MAX_RECONCILIATION_PAGE}; page through more with the endCursor.`);
    }
    if (!(filter.from < filter.to)) {
      throw new InvalidQueryArgument('filter', 'filter.from must be before filter.to');
    }
    const at = 'COALESCE(t.upstreamCreatedAt, t.createdAt, o.createdAt)';
    // the attempt's place: several attempts may share a transactionId (and a second)
    const txKey = 'COALESCE(t.position, -1)';
    const q = this.db.manager
      .createQueryBuilder(OrderEntity, 'o')
      .innerJoin(PaymentEntity, 'p', 'p.orderId = o.id')
      .leftJoin(TransactionEntity, 't', 't.paymentId = p.id')
      .select(`${at}`, 'at')
      .addSelect('o.id', 'orderId')
      .addSelect(txKey, 'txKey')
      .addSelect('o.referenceId', 'referenceId')
      .addSelect('o.paymentConfiguration', 'paymentConfiguration')
      .addSelect('o.gateway', 'orderGateway')
      .addSelect('o.total', 'total')
      .addSelect('o.offset', 'offset')
      .addSelect('o.currency', 'currency')
      .addSelect('p.status', 'paymentStatus')
      .addSelect('p.verified', 'verified')
      .addSelect('p.amount', 'paymentAmount')
      .addSelect('p.amountOffset', 'paymentAmountOffset')
      .addSelect('p.currency', 'paymentCurrency')
      .addSelect('t.transactionId', 'transactionId')
      .addSelect('t.gateway', 'txGateway')
      .addSelect('t.pgTransactionId', 'pgTransactionId')
      .addSelect('t.status', 'txStatus')
      .addSelect('t.amount', 'txAmount')
      .addSelect('t.amountOffset', 'txAmountOffset')
      .addSelect('t.currency', 'txCurrency')
      .addSelect('t.upstreamUpdatedAt', 'txUpdatedAt')
      .addSelect('o.gatewayFields', 'gatewayFields')
      .addSelect(`(SELECT COALESCE(SUM(r."amount"), 0) FROM "refunds" r WHERE r."paymentId" = p.id AND r."status" = 'SUCCEEDED')`, 'refunded')
      .where(`${at} >= :from`, { from: this.db.param(filter.from) })
      .andWhere(`${at} < :to`, { to: this.db.param(filter.to) });
    const scope = scopedBusinessId(ctx);
    if (scope) q.andWhere('o.businessId = :scope', { scope });
    if (filter.paymentConfiguration) q.andWhere('o.paymentConfiguration = :pc', { pc: filter.paymentConfiguration });
    if (filter.paymentStatus?.length) q.andWhere('p.status IN (:...ps)', { ps: filter.paymentStatus });
    if (after) {
      const { at: cursorAt, keys } = decodeCursor(after, ['uuid', 'position']);
      const c = { at: cursorAt, orderId: keys[0] as string, position: keys[1] as number };
      const cAt = this.db.param(c.at);
      q.andWhere(
        new Brackets((w) =>
          w
            .where(`${at} > :cAt`, { cAt })
            .orWhere(`(${at} = :cAt AND o.id > :cOrder)`, { cOrder: c.orderId })
            .orWhere(`(${at} = :cAt AND o.id = :cOrder AND ${txKey} > :cTx)`, { cTx: c.position }),
        ),
      );
    }
    const raw = await q.orderBy('at', 'ASC').addOrderBy('"orderId"', 'ASC').addOrderBy('"txKey"', 'ASC').limit(first + 1).getRawMany<RawRow>();
    const rows = raw.slice(0, first).map((r) => ({ cursor: encodeCursor(this.toDate(r.at), r.orderId, Number(r.txKey)), node: this.toRow(r) }));
    return {
      edges: rows,
      pageInfo: {
        hasNextPage: raw.length > first,
        hasPreviousPage: !!after,
        startCursor: rows[0]?.cursor ?? null,
        endCursor: rows[rows.length - 1]?.cursor ?? null,
      },
    };
  }

  private toRow(r: RawRow): ReconciliationRowData {
    const money = (value: number | null, offset: number | null, currency: string | null) =>
      value === null || offset === null ? null : { value: Number(value), offset: Number(offset), currency: currency ?? r.currency };
    const hasTx = r.transactionId !== null;
    // only a successful transaction paid anything: the amount a failed or pending attempt
    // carries is what was asked for, and showing it as paid would mislead the settlement match
    const paid = hasTx
      ? r.txStatus === 'SUCCESS'
        ? money(r.txAmount, r.txAmountOffset, r.txCurrency) ?? money(r.paymentAmount, r.paymentAmountOffset, r.paymentCurrency)
        : null
      : r.paymentStatus === 'CAPTURED'
        ? money(r.paymentAmount, r.paymentAmountOffset, r.paymentCurrency)
        : null;
    const captured = r.paymentStatus === 'CAPTURED' && (!hasTx || r.txStatus === 'SUCCESS');
    const currency = r.paymentCurrency ?? r.currency;
    return {
      referenceId: r.referenceId,
      paymentConfiguration: r.paymentConfiguration,
      gateway: r.txGateway ?? r.orderGateway,
      transactionId: r.transactionId,
      pgTransactionId: r.pgTransactionId,
      orderTotal: { value: Number(r.total), offset: Number(r.offset), currency: r.currency },
      paidAmount: paid,
      paymentStatus: r.paymentStatus,
      transactionStatus: r.txStatus,
      verified: r.verified === true || r.verified === 1,
      capturedAt: captured && r.txUpdatedAt ? this.toDate(r.txUpdatedAt) : null,
      receipt: receiptOf(r.gatewayFields),
      refundedAmount: captured ? { value: Number(r.refunded ?? 0), offset: Number(r.paymentAmountOffset ?? r.offset), currency } : null,
      at: this.toDate(r.at),
    };
  }

  /** Raw selects skip TypeORM's hydration: sqlite gives text, PostgreSQL a Date (UTC). */
  private toDate(v: string | Date): Date {
    if (v instanceof Date) return v;
    return new Date(v.includes('T') ? v : v.replace(' ', 'T') + 'Z');
  }
}

function receiptOf(gatewayFields: string | null): string | null {
  if (!gatewayFields) return null;
  const receipt = (JSON.parse(gatewayFields) as { receipt?: unknown }).receipt;
  return typeof receipt === 'string' ? receipt : null;
}

const CSV_COLUMNS = [
  'reference_id',
  'payment_configuration',
  'gateway',
  'transaction_id',
  'pg_transaction_id',
  'order_total',
  'paid_amount',
  'currency',
  'payment_status',
  'transaction_status',
  'verified',
  'captured_at',
  'at',
  'receipt',
  'refunded_amount',
] as const;

/** RFC 4180 CSV; amounts as decimals (the way settlement reports show them). */
export function csvHeader(): string {
  return CSV_COLUMNS.join(',') + '\r\n';
}

export function csvLine(row: ReconciliationRowData, format: (value: number, offset: number) => string): string {
  const cells = [
    row.referenceId,
    row.paymentConfiguration,
    row.gateway,
    row.transactionId ?? '',
    row.pgTransactionId ?? '',
    format(row.orderTotal.value, row.orderTotal.offset),
    row.paidAmount ? format(row.paidAmount.value, row.paidAmount.offset) : '',
    row.paidAmount?.currency ?? row.orderTotal.currency,
    row.paymentStatus,
    row.transactionStatus ?? '',
    row.verified ? 'true' : 'false',
    row.capturedAt?.toISOString() ?? '',
    row.at.toISOString(),
  ];
  // the receipt is the merchant's free text: a leading '-' could start a formula too
  const refunded = row.refundedAmount ? format(row.refundedAmount.value, row.refundedAmount.offset) : '';
  return [...cells.map((c) => csvCell(c)), csvCell(row.receipt ?? '', /^[-=+@\t\r]/), refunded].join(',') + '\r\n';
}

function csvCell(value: string, formula = /^[=+@\t\r]/): string {
  // a leading = + @ would run as a formula in a spreadsheet; ids and amounts never start so
  const safe = formula.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
