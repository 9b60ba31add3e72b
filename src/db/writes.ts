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
  const parameters: unknown[] = [];
  await m.query(inserterOf(m.connection, entity).statement(list, false, parameters), parameters);
}

/** One row, returning the value of its database-generated `id` (the events' sequence). */
export async function insertReturningId<T extends ObjectLiteral>(
  m: EntityManager,
  entity: EntityTarget<T>,
  row: QueryDeepPartialEntity<T>,
): Promise<number> {
  const parameters: unknown[] = [];
  const result: unknown = await m.query(inserterOf(m.connection, entity).statement([row as Record<string, unknown>], true, parameters), parameters);
  // sqlite: TypeORM answers an INSERT with the row's id (lastID); PostgreSQL: the RETURNING rows
  const id = Array.isArray(result) ? (result[0] as { id: unknown }).id : result;
  return Number(id);
}

/** Rows for one table, for insertTogether; `returningId`: the database-generated id is wanted. */
export interface InsertPart {
  entity: EntityTarget<ObjectLiteral>;
  rows: Record<string, unknown> | Record<string, unknown>[];
  returningId?: boolean;
}

/**
 * The rows of several tables, in the order given, as ONE statement on PostgreSQL (each INSERT a
 * data-modifying WITH clause: they all run, once, and foreign keys are checked at the end of the
 * statement, so a child may follow its parent) and one statement each on sqlite, where a statement
 * costs no network round trip. Returns the generated id of every part that asks for it (a single
 * row each), in the order of those parts.
 */
export async function insertTogether(m: EntityManager, parts: InsertPart[]): Promise<number[]> {
  const given = parts.filter((part) => !Array.isArray(part.rows) || part.rows.length > 0);
  if (m.connection.options.type === 'sqlite') {
    const ids: number[] = [];
    for (const part of given) {
      if (part.returningId) ids.push(await insertReturningId(m, part.entity, part.rows as Record<string, unknown>));
      else await insertRows(m, part.entity, part.rows);
    }
    return ids;
  }
  const parameters: unknown[] = [];
  const clauses: string[] = [];
  const returned: string[] = [];
  given.forEach((part, i) => {
    const rows = Array.isArray(part.rows) ? part.rows : [part.rows];
    if (part.returningId && rows.length !== 1) throw new Error('insertTogether returns the id of a single row only');
    clauses.push(`"w${i}" AS (${inserterOf(m.connection, part.entity).statement(rows, Boolean(part.returningId), parameters)})`);
    if (part.returningId) returned.push(`(SELECT "id" FROM "w${i}") AS "r${returned.length}"`);
  });
  const rows = (await m.query(`WITH ${clauses.join(', ')} SELECT ${returned.length ? returned.join(', ') : '1'}`, parameters)) as Array<Record<string, unknown>>;
  return returned.map((_, i) => Number(rows[0][`r${i}`]));
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

  /** The INSERT of `rows`; their values are appended to `parameters` (PostgreSQL's placeholders count on from there). */
  statement(rows: Record<string, unknown>[], returningId: boolean, parameters: unknown[]): string {
    // the columns the first row gives; a column left out gets its database default, as with insert()
    const given = this.columns.filter((c) => rows[0][c.propertyName] !== undefined);
    const key = given.map((c) => c.propertyName).join(',');
    const driver = this.dataSource.driver;
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
    return head + tuples.join(', ') + returning;
  }
}
