import type { DataSource, EntityManager, ObjectLiteral } from 'typeorm';

/**
 * The batch reads behind the request-scoped loaders (rows of one table whose key is in a list),
 * as plain SQL turned into entities by a converter compiled once per entity from TypeORM's own
 * metadata. A page of 50 orders loads some 700 related rows; TypeORM's find() builds each query
 * anew and hydrates every value through several layers, which cost as much as the database
 * itself. The result is the same entity instances with the same property values.
 */
export class BatchReader<T extends ObjectLiteral> {
  private readonly sqlHead: string;
  private readonly convert: (row: Record<string, unknown>) => T;
  private readonly convertJson: (row: Record<string, unknown>) => T;
  private readonly jsonPairs: string;
  private readonly sqlite: boolean;
  /** the database names of the columns read */
  readonly columnNames: string[];

  constructor(
    private readonly dataSource: DataSource,
    entity: new () => T,
    options: { skip?: string[] } = {},
  ) {
    const metadata = dataSource.getMetadata(entity);
    const sqlite = (this.sqlite = dataSource.options.type === 'sqlite');
    const columns = metadata.columns.filter((c) => !options.skip?.includes(c.propertyName));
    const converters = columns.map((c) => {
      const type = typeof c.type === 'function' ? c.type.name : c.type;
      const kind: Kind =
        type === 'Date' || type === 'datetime' || type === 'timestamp'
          ? 'date'
          : type === 'boolean' || type === 'Boolean'
            ? 'boolean'
            : type === 'simple-json'
              ? 'json'
              : type === 'integer' || type === 'int' || type === 'Number'
                ? 'integer'
                : 'plain';
      return { property: c.propertyName, column: c.databaseName, kind };
    });
    this.columnNames = columns.map((c) => c.databaseName);
    this.sqlHead = `SELECT ${columns.map((c) => `"${c.databaseName}"`).join(', ')} FROM "${metadata.tableName}"`;
    this.convert = (row) => {
      const e = new entity() as Record<string, unknown>;
      for (const { property, column, kind } of converters) {
        const v = row[column];
        e[property] = v === null || v === undefined ? null : kind === 'plain' ? v : convertValue(v, kind, sqlite);
      }
      return e as T;
    };
    this.jsonPairs = columns.map((c) => `'${c.databaseName}', %ALIAS%."${c.databaseName}"`).join(', ');
    // PostgreSQL's JSON renders a timestamp (no zone) as ISO text without its zone; the driver
    // reads the same column as UTC (see data-source.ts), so the JSON reading does too
    this.convertJson = sqlite
      ? this.convert
      : (row) => {
          const e = new entity() as Record<string, unknown>;
          for (const { property, column, kind } of converters) {
            const v = row[column];
            e[property] = v === null || v === undefined ? null : kind === 'plain' ? v : kind === 'date' ? new Date(`${v as string}Z`) : convertValue(v, kind, false);
          }
          return e as T;
        };
  }

  /** Rows whose `column` is one of `keys`, in `orderBy` order (SQL text of column names). */
  async byKeys(manager: EntityManager, column: string, keys: readonly unknown[], orderBy: string): Promise<T[]> {
    if (keys.length === 0) return [];
    const sqlite = this.dataSource.options.type === 'sqlite';
    const list = keys.map((_, i) => (sqlite ? '?' : `$${i + 1}`)).join(', ');
    const rows: Record<string, unknown>[] = await manager.query(`${this.sqlHead} WHERE "${column}" IN (${list}) ORDER BY ${orderBy}`, [...keys]);
    return rows.map(this.convert);
  }

  /** The rows matching every `column = value` of `where` (at most `limit`), in `orderBy` order. */
  async where(manager: EntityManager, where: Record<string, unknown>, orderBy: string, limit: number): Promise<T[]> {
    const columns = Object.keys(where);
    const conditions = columns.map((c, i) => `"${c}" = ${this.sqlite ? '?' : `$${i + 1}`}`).join(' AND ');
    const rows: Record<string, unknown>[] = await manager.query(
      `${this.sqlHead} WHERE ${conditions} ORDER BY ${orderBy} LIMIT ${Math.trunc(limit)}`,
      columns.map((c) => where[c]),
    );
    return rows.map(this.convert);
  }

  /**
   * SQL making one row of `alias` a JSON object of every column read here, keyed by column name
   * (json_build_object on PostgreSQL, JSON1's json_object on sqlite); `fromJson` reads it back.
   */
  jsonObject(alias: string): string {
    return `${this.sqlite ? 'json_object' : 'json_build_object'}(${this.jsonPairs.replaceAll('%ALIAS%', alias)})`;
  }

  /** The entity of a row of every column read here, keyed by column name (a query of one's own). */
  fromRow(row: Record<string, unknown>): T {
    return this.convert(row);
  }

  /** The entity of an object made by `jsonObject`: the same property values as `byKeys` gives. */
  fromJson(object: Record<string, unknown>): T {
    return this.convertJson(object);
  }
}

type Kind = 'date' | 'boolean' | 'json' | 'integer' | 'plain';

function convertValue(v: unknown, kind: Kind, sqlite: boolean): unknown {
  switch (kind) {
    case 'date':
      // sqlite keeps UTC text ("2025-01-01 10:00:00.000"), read as TypeORM reads it; the pg
      // driver already gives Dates
      return typeof v === 'string' ? new Date(sqlite ? sqliteUtc(v) : v) : v;
    case 'boolean':
      return typeof v === 'boolean' ? v : Boolean(v);
    case 'json':
      return typeof v === 'string' ? JSON.parse(v) : v;
    case 'integer':
      return typeof v === 'string' ? Number.parseInt(v, 10) : v;
    default:
      return v;
  }
}

/** TypeORM's reading of sqlite datetime text: ISO separator, and UTC unless a zone is given. */
function sqliteUtc(v: string): string {
  const iso = SPACED.test(v) ? v.replace(' ', 'T') : v;
  return ZONELESS.test(iso) ? `${iso}Z` : iso;
}
const SPACED = /^\d\d\d\d-\d\d-\d\d \d\d:\d\d/;
const ZONELESS = /^\d\d\d\d-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d\d\d)?)?$/;
