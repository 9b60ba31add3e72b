import { loadConfig, Config } from '../../src/config';
import { Gateway, GatewayOptions, startGateway } from '../../src/gateway';
import { createLogger, type Logger } from '../../src/logger';
import { createTestDatabase, TestDatabase } from './database';

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, any>; path?: string[] }>;
}

export interface TestGateway {
  gateway: Gateway;
  database: TestDatabase;
  url: string;
  adminKey: string;
  gql<T = any>(query: string, variables?: Record<string, unknown>, key?: string | null, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** a restart on the same database (and data folder), as after a crash or a deploy */
  restart(env?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real gateway on a real port and a real database file (or a fresh PostgreSQL database),
 * talked to over HTTP like any client would.
 */
export async function startTestGateway(env: Record<string, string> = {}, options: GatewayOptions & { logger?: Logger } = {}): Promise<TestGateway> {
  const database = await createTestDatabase();
  const configFor = (extra: Record<string, string>): Config =>
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      MIGRATE_ON_START: 'true',
      // with TEST_REDIS_URL, events fan out through Redis, on channels of this test's own
      ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: `test-${database.dataDir.split('-').pop()}` } : {}),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
      ...extra,
    });
  const logger = () => options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  let gateway = await startGateway(configFor({}), logger(), options);
  const t: TestGateway = {
    gateway,
    database,
    get url() {
      return gateway.url;
    },
    get adminKey() {
      return gateway.config.adminApiKey!;
    },
    async gql(query, variables, key = t.adminKey, headers = {}) {
      const res = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as GraphQLResponse;
      return { ...body, status: res.status };
    },
    async restart(extra = {}) {
      await gateway.stop();
      gateway = await startGateway(configFor(extra), logger(), options);
      t.gateway = gateway;
    },
    async stop() {
      await gateway.stop();
      await database.drop();
    },
  };
  return t;
}

/** The data of a GraphQL response that must have no errors (fails the test with them otherwise). */
export function dataOf<T = any>(res: GraphQLResponse<T>): T {
  if (res.errors?.length) throw new Error(`unexpected GraphQL errors: ${JSON.stringify(res.errors)}`);
  return res.data as T;
}

export interface LogLine {
  level: number;
  msg: string;
  err?: { message: string; stack?: string };
  [field: string]: unknown;
}

/** A logger that keeps what the gateway logs (down to debug), to assert what is logged and at which level. */
export function captureLogger(): { logger: Logger; lines: LogLine[]; errors(): LogLine[]; clear(): void } {
  const lines: LogLine[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return {
    logger,
    lines,
    /** error level and above (pino: error 50, fatal 60) */
    errors: () => lines.filter((l) => l.level >= 50),
    clear: () => void lines.splice(0),
  };
}
