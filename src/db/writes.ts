import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * INSERTs as plain SQL, built once per entity and column set from TypeORM's metadata, with each
 * value prepared by the driver exactly as TypeORM writes it. Inside a write transaction every
 * statement counts (on sqlite the transactions run one at a time), and TypeORM's insert() spent
 * longer building each statement than the database spent running it. Nor is anything read back:
 * the gateway gives every value itself (ids, timestamps), except the events' sequence number,
 * which `insertReturningId` returns.
 */
export async function insertRows<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  rows: QueryDeepPartialEntity<T> | QueryDeepPartialEntity<T>[],
): Promise<void> {
  const list = (Array.isArray(rows) ? rows : [rows]) as Record<string, unknown>[];
  if (list.length === 0) return;
  const { sql, parameters } = inserterOf(m.connection, entity).statement(list, false);
  await m.query(sql, parameters);
}

/** One row, returning the value of its database-generated `id` (the events' sequence). */
export async function insertReturningId<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  row: QueryDeepPartialEntity<T>,
): Promise<number> {
  const { sql, parameters } = inserterOf(m.connection, entity).statement([row as Record<string, unknown>], true);
  const result: unknown = await m.query(sql, parameters);
  // sqlite: TypeORM answers an INSERT with the row's id (lastID); PostgreSQL: the RETURNING rows
  const id = Array.isArray(result) ? (result[0] as { id: unknown }).id : result;
  return Number(id);
}

const inserters = new WeakMap<DataSource, Map<unknown, Inserter>>();

function inserterOf(dataSource: DataSource, entity: EntityTarget<ObjectLiteral>): Inserter {
  let byEntity = inserters.get(dataSource);
  if (!byEntity) inserters.set(dataSource, (byEntity = new Map()));
  let inserter = byEntity.get(entity);
  if (!inserter) byEntity.set(entity, (inserter = new Inserter(dataSource, entity)));
  return inserter;
}

class Inserter {
  private readonly columns: ColumnMetadata[];
  private readonly table: string;
  private readonly sqlite: boolean;
  /** SQL heads by the set of columns given */
  private readonly heads = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    entity: EntityTarget<ObjectLiteral>,
  ) {
    const metadata = dataSource.getMetadata(entity);
    this.columns = metadata.columns;
    this.table = metadata.tableName;
    this.sqlite = dataSource.options.type === 'sqlite';
  }

  statement(rows: Record<string, unknown>[], returningId: boolean): { sql: string; parameters: unknown[] } {
    // the columns the first row gives; a column left out gets its database default, as with insert()
    const given = this.columns.filter((c) => rows[0][c.propertyName] !== undefined);
    const key = given.map((c) => c.propertyName).join(',');
    const driver = this.dataSource.driver;
    const parameters: unknown[] = [];
    const tuples: string[] = [];
    for (const row of rows) {
      if (this.columns.some((c) => (row[c.propertyName] !== undefined) !== given.includes(c))) {
        throw new Error(`insert into ${this.table}: every row must give the columns the first one gives`);
      }
      const placeholders = given.map((c) => {
        parameters.push(driver.preparePersistentValue(row[c.propertyName], c));
        return this.sqlite ? '?' : `$${parameters.length}`;
      });
      tuples.push(`(${placeholders.join(', ')})`);
    }
    let head = this.heads.get(key);
    if (!head) {
      head = `INSERT INTO "${this.table}" (${given.map((c) => `"${c.databaseName}"`).join(', ')}) VALUES `;
      this.heads.set(key, head);
    }
    const returning = returningId && !this.sqlite ? ' RETURNING "id"' : '';
    return { sql: head + tuples.join(', ') + returning, parameters };
  }
}
