import { randomUUID } from 'node:crypto';
import { Database } from '../../src/db/database';
import { BusinessEntity, OrderEventEntity, OrderItemEntity } from '../../src/db/entities';
import { insertReturningId, insertRows, insertTogether } from '../../src/db/writes';
import { useMigratedDatabase } from '../helpers/database';

// The gateway's INSERTs are built from TypeORM's metadata (src/db/writes.ts); what they store must
// read back through TypeORM exactly as if TypeORM had written it.
describe('plain-SQL inserts (real database)', () => {
  const migrated = useMigratedDatabase();
  let db: Database;
  beforeAll(() => (db = migrated.db));

  it('stores dates to the millisecond, nulls, integers and JSON as TypeORM reads them', async () => {
    const orderId = randomUUID();
    const address = { name: 'Importer', address_line1: 'Line 1', city: 'Pune', zone_code: 'MH', postal_code: '411001', country_code: 'IN' };
    const rows = [0, 1, 2].map((position) => ({
      id: randomUUID(),
      orderId,
      position,
      retailerId: `sku-${position}`,
      name: `Item ${position}`,
      amount: 12345 + position,
      saleAmount: position === 1 ? 9999 : null,
      quantity: position + 1,
      countryOfOrigin: position === 2 ? 'IN' : null,
      importerName: position === 2 ? 'Importer' : null,
      importerAddress: position === 2 ? address : null,
    }));
    await db.transaction((m) => insertRows(m, OrderItemEntity, rows));
    const stored = await db.manager.find(OrderItemEntity, { where: { orderId }, order: { position: 'ASC' } });
    expect(stored.map((r) => ({ ...r }))).toEqual(rows);

    const at = new Date('2026-11-26T10:20:30.456Z');
    const id = randomUUID();
    await db.transaction((m) => insertRows(m, BusinessEntity, { id, name: "O'Brien & Sons", wabaId: null, createdAt: at }));
    const business = await db.manager.findOneByOrFail(BusinessEntity, { id });
    expect(business).toEqual(Object.assign(new BusinessEntity(), { id, name: "O'Brien & Sons", wabaId: null, createdAt: at }));
  });

  it('returns the generated sequence of an event, increasing with each insert', async () => {
    const event = (type: string) => ({
      orderId: randomUUID(),
      businessId: randomUUID(),
      referenceId: 'R-1',
      type: type as OrderEventEntity['type'],
      source: 'API' as OrderEventEntity['source'],
      fromStatus: null,
      toStatus: 'PENDING',
      detail: null,
      at: new Date(),
    });
    const first = await db.transaction((m) => insertReturningId(m, OrderEventEntity, event('ORDER_CREATED')));
    const second = await db.transaction((m) => insertReturningId(m, OrderEventEntity, event('MESSAGE_STATUS')));
    expect(Number.isSafeInteger(first)).toBe(true);
    expect(second).toBeGreaterThan(first);
    const stored = await db.manager.findOneByOrFail(OrderEventEntity, { id: second });
    expect(stored.type).toBe('MESSAGE_STATUS');
  });

  it('refuses rows that do not give the same columns, and stores none of them', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const rows = [
      { id: a, name: 'a', wabaId: null, createdAt: new Date() },
      { id: b, name: 'b', createdAt: new Date() },
    ];
    await expect(db.transaction((m) => insertRows(m, BusinessEntity, rows))).rejects.toThrow('every row must give the columns the first one gives');
    expect(await db.manager.countBy(BusinessEntity, { id: a })).toBe(0);
  });

  it('stores the rows of several tables together and returns the ids asked for, in order; a failing part stores nothing', async () => {
    const orderId = randomUUID();
    const businessId = randomUUID();
    const event = (type: string) => ({
      orderId,
      businessId,
      referenceId: 'R-T',
      type: type as OrderEventEntity['type'],
      source: 'API' as OrderEventEntity['source'],
      fromStatus: null,
      toStatus: null,
      detail: null,
      at: new Date('2026-11-30T10:00:00.001Z'),
    });
    const items = [0, 1].map((position) => ({
      id: randomUUID(),
      orderId,
      position,
      retailerId: null,
      name: `Item ${position}`,
      amount: 100 + position,
      saleAmount: null,
      quantity: 1,
      countryOfOrigin: null,
      importerName: null,
      importerAddress: null,
    }));
    const business = { id: businessId, name: 'Together', wabaId: null, createdAt: new Date('2026-11-30T10:00:00.002Z') };
    const ids = await db.transaction((m) =>
      insertTogether(m, [
        { entity: OrderEventEntity, rows: event('ORDER_CREATED'), returningId: true },
        { entity: OrderItemEntity, rows: items },
        { entity: BusinessEntity, rows: business },
        { entity: OrderItemEntity, rows: [] },
        { entity: OrderEventEntity, rows: event('MESSAGE_STATUS'), returningId: true },
      ]),
    );
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBeGreaterThan(ids[0]);
    expect((await db.manager.findOneByOrFail(OrderEventEntity, { id: ids[0] })).type).toBe('ORDER_CREATED');
    expect((await db.manager.findOneByOrFail(OrderEventEntity, { id: ids[1] })).type).toBe('MESSAGE_STATUS');
    const stored = await db.manager.find(OrderItemEntity, { where: { orderId }, order: { position: 'ASC' } });
    expect(stored.map((r) => ({ ...r }))).toEqual(items);
    expect(await db.manager.findOneByOrFail(BusinessEntity, { id: businessId })).toEqual(Object.assign(new BusinessEntity(), business));

    // the second item repeats the first one's (orderId, position): unique, so the whole insert fails
    const otherOrder = randomUUID();
    const clash = [0, 0].map(() => ({ ...items[0], id: randomUUID(), orderId: otherOrder }));
    await expect(
      db.transaction((m) =>
        insertTogether(m, [
          { entity: OrderEventEntity, rows: { ...event('ORDER_CREATED'), orderId: otherOrder }, returningId: true },
          { entity: OrderItemEntity, rows: clash },
        ]),
      ),
    ).rejects.toThrow();
    expect(await db.manager.countBy(OrderEventEntity, { orderId: otherOrder })).toBe(0);
  });
});
