import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * INSERT without TypeORM's read-back. `manager.insert()` follows every INSERT into a table with
 * column defaults by a SELECT of those columns (to fill them in on the entity), and inside a
 * write transaction every statement counts: on sqlite the transactions run one at a time. The
 * gateway always gives every value, so there is nothing to read back.
 */
export async function insertRows<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  rows: QueryDeepPartialEntity<T> | QueryDeepPartialEntity<T>[],
): Promise<void> {
  await m.createQueryBuilder().insert().into(entity).values(rows).updateEntity(false).execute();
}
