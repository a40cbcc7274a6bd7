import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase, type DatabaseOptions, type LookalikeDataSource } from '../data-source';
import { ImageRepository } from '../repositories/image.repository';
import { JobRepository } from '../repositories/job.repository';
import { VideoRepository } from '../repositories/video.repository';
import { StatsRepository } from '../repositories/stats.repository';
import { EmbeddingMapRepository } from '../repositories/embedding-map.repository';

/** The part of a service's validated environment this module reads. */
export interface PersistenceModuleConfig {
  /**
   * postgres://... of the server; a `schema` query parameter puts the tables in that schema.
   * Absent: an embedded PGlite under `<LOOKALIKE_DATA_DIR>/pg`, started by the first module.
   */
  DATABASE_URL?: string;
  LOOKALIKE_DATA_DIR: string;
  /** Connections per process for a server URL; default 10 (the embedded server always gets 1). */
  DATABASE_POOL_SIZE?: number;
}

export const DATA_SOURCE = 'LOOKALIKE_DATA_SOURCE';
const DATA_SOURCE_LEASE = 'LOOKALIKE_DATA_SOURCE_LEASE';

interface Shared {
  refs: number;
  opening: Promise<LookalikeDataSource>;
}

// One DataSource per database per process: the embedded mode hosts several service modules in
// one process, and PGlite serves a single connection, so they must share it.
const shared = new Map<string, Shared>();

export interface DataSourceLease {
  key: string;
  dataSource: LookalikeDataSource;
  release(): Promise<void>;
}

/** Parses the config into openDatabase options and the key that identifies that database. */
export function databaseOptionsFor(config: PersistenceModuleConfig): {
  key: string;
  options: DatabaseOptions;
} {
  if (!config.DATABASE_URL) {
    const dataDir = resolve(config.LOOKALIKE_DATA_DIR);
    return { key: `embedded:${dataDir}`, options: { embedded: { dataDir } } };
  }
  const url = new URL(config.DATABASE_URL);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  const poolSize =
    config.DATABASE_POOL_SIZE ??
    (url.searchParams.get('pool_size') ? Number(url.searchParams.get('pool_size')) : undefined);
  url.searchParams.delete('pool_size');
  return { key: config.DATABASE_URL, options: { url: url.toString(), schema, poolSize } };
}

/** Opens (or joins) the process-wide DataSource for this config; the last release closes it. */
export async function acquireDataSource(config: PersistenceModuleConfig): Promise<DataSourceLease> {
  const { key, options } = databaseOptionsFor(config);
  let entry = shared.get(key);
  if (!entry) {
    const opening = openDatabase(options);
    entry = { refs: 0, opening };
    shared.set(key, entry);
    opening.catch(() => {
      if (shared.get(key) === entry) shared.delete(key);
    });
  }
  entry.refs += 1;
  const held = entry;
  let dataSource: LookalikeDataSource;
  try {
    dataSource = await held.opening;
  } catch (error) {
    held.refs -= 1;
    throw error;
  }
  let released = false;
  return {
    key,
    dataSource,
    release: async () => {
      if (released) return;
      released = true;
      held.refs -= 1;
      if (held.refs === 0 && shared.get(key) === held) {
        shared.delete(key);
        await dataSource.destroy();
      }
    },
  };
}

/**
 * The SQL store for a service module: the shared DataSource (token DATA_SOURCE) and the
 * repositories built on it. Migrations run when the first module of a process opens it.
 */
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(DATA_SOURCE_LEASE) private readonly lease: DataSourceLease) {}

  static forRoot(config: PersistenceModuleConfig): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: DATA_SOURCE_LEASE, useFactory: () => acquireDataSource(config) },
        {
          provide: DATA_SOURCE,
          inject: [DATA_SOURCE_LEASE],
          useFactory: (lease: DataSourceLease) => lease.dataSource,
        },
        {
          provide: ImageRepository,
          inject: [DATA_SOURCE],
          useFactory: (dataSource: DataSource) => new ImageRepository(dataSource),
        },
        {
          provide: JobRepository,
          inject: [DATA_SOURCE],
          useFactory: (dataSource: DataSource) => new JobRepository(dataSource),
        },
        {
          provide: VideoRepository,
          inject: [DATA_SOURCE],
          useFactory: (dataSource: DataSource) => new VideoRepository(dataSource),
        },
        {
          provide: EmbeddingMapRepository,
          inject: [DATA_SOURCE],
          useFactory: (dataSource: DataSource) => new EmbeddingMapRepository(dataSource),
        },
        {
          provide: StatsRepository,
          inject: [DATA_SOURCE],
          useFactory: (dataSource: DataSource) => new StatsRepository(dataSource),
        },
      ],
      exports: [
        DATA_SOURCE,
        ImageRepository,
        JobRepository,
        VideoRepository,
        StatsRepository,
        EmbeddingMapRepository,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lease.release();
  }
}

/**
 * The `database` probe for a service's /readyz: pass it as ServiceCoreModule's `readiness` option
 * (its shape; this library does not depend on the messaging one).
 */
export function databaseReadiness(config: PersistenceModuleConfig) {
  return {
    imports: [PersistenceModule.forRoot(config)],
    inject: [DATA_SOURCE],
    useFactory: (dataSource: DataSource) => [
      { name: 'database', check: async () => void (await dataSource.query('SELECT 1')) },
    ],
  };
}
