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
import { EmbeddedPostgres } from './embedded-postgres';
import { persistenceMigrations } from './migrations';
import { PreparingClient } from './prepared-statements';

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
  // The embedded server's connections are streams to its thread (embedded-postgres.ts).
  const client = embedded?.clientConfig();
  const urlOptions: DatabaseUrlOptions = client
    ? { url: client.connectionString, poolSize: 1, logging: options.logging }
    : (options as DatabaseUrlOptions);
  const dataSourceOptions = createDataSourceOptions(urlOptions);
  const dataSource = new LookalikeDataSource(
    client
      ? {
          ...dataSourceOptions,
          extra: { ...dataSourceOptions.extra, stream: client.stream, Client: PreparingClient },
        }
      : dataSourceOptions,
  );
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
