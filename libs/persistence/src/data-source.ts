import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import {
  AnomalyReviewEntity,
  AnomalyScoreEntity,
  AuditLogEntity,
  DedupDecisionEntity,
  DedupGroupEntity,
  EmbeddingMapEntity,
  FeedbackEntity,
  FeedbackQueryEntity,
  ImageEntity,
  IngestOutcomeEntity,
  JobEntity,
  PairVerificationEntity,
  VideoEntity,
} from './entities';
import { persistenceMigrations } from './migrations';

export const persistenceEntities = [
  ImageEntity,
  JobEntity,
  FeedbackEntity,
  DedupGroupEntity,
  DedupDecisionEntity,
  AnomalyReviewEntity,
  AuditLogEntity,
  AnomalyScoreEntity,
  FeedbackQueryEntity,
  PairVerificationEntity,
  VideoEntity,
  IngestOutcomeEntity,
  EmbeddingMapEntity,
];

export interface DatabaseUrlOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** Tables live in this schema (created when missing); default: the server's search_path. */
  schema?: string;
  /** Connections in the pool; the embedded server takes one at a time. Default 10. */
  poolSize?: number;
  logging?: boolean;
}

export interface EmbeddedDatabaseOptions {
  /** PGlite keeps its files in `<dataDir>/pg`. */
  embedded: { dataDir: string };
  logging?: boolean;
}

export type DatabaseOptions = DatabaseUrlOptions | EmbeddedDatabaseOptions;

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
// Any constant shared by every process of the deployment; it only has to differ from other users' locks.
const MIGRATION_LOCK_ID = 724_311_009;

/** TypeORM options for a PostgreSQL URL; never synchronize, migrations are run by openDatabase. */
export function createDataSourceOptions(options: DatabaseUrlOptions): DataSourceOptions {
  if (options.schema !== undefined && !SCHEMA_PATTERN.test(options.schema)) {
    throw new Error(`database schema name "${options.schema}" must match ${SCHEMA_PATTERN}`);
  }
  const poolSize = options.poolSize ?? 10;
  return {
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: persistenceEntities,
    migrations: persistenceMigrations,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    logging: options.logging ?? false,
    poolSize,
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 10_000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    },
  };
}

/**
 * The embedded server's thread: PGlite plus the socket server. It lives in a worker thread so the
 * WASM engine never blocks the service's event loop (and so it loads as plain Node code everywhere,
 * test runners included, since PGlite loads parts of itself with dynamic import()).
 */
const EMBEDDED_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
const { PGLiteSocketServer } = require(workerData.socket);
(async () => {
  const db = await PGlite.create(workerData.dir);
  const server = new PGLiteSocketServer({ db, host: workerData.host, port: workerData.port });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  parentPort.on('message', async (message) => {
    if (message !== 'stop') return;
    await server.stop();
    await db.close();
    parentPort.postMessage({ type: 'stopped' });
  });
  parentPort.postMessage({ type: 'ready', conn: server.getServerConn() });
})().catch((error) => parentPort.postMessage({ type: 'error', message: String(error && error.stack || error) }));
`;

type WorkerMessage =
  { type: 'ready'; conn: string } | { type: 'stopped' } | { type: 'error'; message: string };

/**
 * PGlite (PostgreSQL compiled to WASM) with its data in `<dataDir>/pg`, served over the Postgres
 * wire protocol on loopback so the same pg driver, entities and migrations work on it. It runs one
 * session, so clients must use a pool of one connection.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly worker: Worker,
    readonly url: string,
  ) {}

  static async start(options: { dataDir: string; host?: string; port?: number }): Promise<EmbeddedPostgres> {
    const dir = join(options.dataDir, 'pg');
    await mkdir(dir, { recursive: true });
    const worker = new Worker(EMBEDDED_WORKER, {
      eval: true,
      workerData: {
        dir,
        host: options.host ?? '127.0.0.1',
        port: options.port ?? 0,
        pglite: require.resolve('@electric-sql/pglite'),
        socket: require.resolve('@electric-sql/pglite-socket'),
      },
    });
    try {
      const ready = await nextMessage(worker);
      if (ready.type !== 'ready') throw new Error(`embedded PostgreSQL did not start: ${describe(ready)}`);
      return new EmbeddedPostgres(worker, `postgres://postgres@${ready.conn}/postgres`);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
  }

  /** Closes the database cleanly (PGlite flushes its files), then ends the thread. */
  async stop(): Promise<void> {
    const stopped = nextMessage(this.worker);
    this.worker.postMessage('stop');
    try {
      const message = await stopped;
      if (message.type !== 'stopped')
        throw new Error(`embedded PostgreSQL did not stop cleanly: ${describe(message)}`);
    } finally {
      await this.worker.terminate();
    }
  }
}

function describe(message: WorkerMessage): string {
  return message.type === 'error' ? message.message : message.type;
}

function nextMessage(worker: Worker): Promise<WorkerMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage) => {
      cleanup();
      resolve(message);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`embedded PostgreSQL thread exited with code ${code}`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** A DataSource that also stops the embedded server it owns when destroyed. */
export class LookalikeDataSource extends DataSource {
  embedded?: EmbeddedPostgres;

  override async destroy(): Promise<void> {
    try {
      if (this.isInitialized) await super.destroy();
    } finally {
      await this.embedded?.stop();
      this.embedded = undefined;
    }
  }
}

/** Connects (starting the embedded server when asked) and applies pending migrations. */
/**
 * `CREATE SCHEMA IF NOT EXISTS` is not safe against itself: when several services start together
 * on a new schema, all but one may fail on the catalogue's unique index (23505) or with
 * duplicate_schema (42P06). Either means the schema is there, which is all this step wants.
 */
export async function ensureSchema(dataSource: DataSource, schema: string): Promise<void> {
  try {
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    const code =
      (error as { code?: string; driverError?: { code?: string } }).driverError?.code ??
      (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<LookalikeDataSource> {
  const embedded = 'embedded' in options ? await EmbeddedPostgres.start(options.embedded) : undefined;
  const urlOptions: DatabaseUrlOptions = embedded
    ? { url: embedded.url, poolSize: 1, logging: options.logging }
    : (options as DatabaseUrlOptions);
  const dataSource = new LookalikeDataSource(createDataSourceOptions(urlOptions));
  dataSource.embedded = embedded;
  try {
    await dataSource.initialize();
    if (urlOptions.schema) await ensureSchema(dataSource, urlOptions.schema);
    await migrate(dataSource, (urlOptions.poolSize ?? 10) > 1);
    return dataSource;
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}

/**
 * Runs pending migrations. Several services may start at once against one server, so they take a
 * session advisory lock first; a pool of one (the embedded server, one process) needs no lock.
 */
async function migrate(dataSource: DataSource, lock: boolean): Promise<void> {
  if (!lock) {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * Drops a schema of a PostgreSQL server and everything in it: the scratch schemas tests and
 * benchmarks run in (a schema per run, so runs never see each other's rows).
 */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!SCHEMA_PATTERN.test(schema))
    throw new Error(`database schema name "${schema}" must match ${SCHEMA_PATTERN}`);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
