import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ImageRepository,
  JobRepository,
  openDatabase,
  persistenceMigrations,
  type ImageEntity,
  type JobEntity,
} from '../src';
import { describePersistenceContract } from './persistence.contract';

// One data directory for the file: creating a PGlite cluster (initdb) is the slow part, reopening is not.
let dataDir: string | undefined;
// Written just before the contract suite stops its server, read back after a fresh start.
let written: { image: ImageEntity; job: JobEntity } | undefined;

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describePersistenceContract('PGlite over the Postgres protocol', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lookalike-pglite-'));
  const dataSource = await openDatabase({ embedded: { dataDir } });
  return {
    dataSource,
    close: async () => {
      const { image } = await new ImageRepository(dataSource).insertIfAbsent({
        ownerUserId: 'restart',
        sha256: 'a'.repeat(64),
        bucket: 'local',
        key: 'restart/2026/01/x.png',
        sizeBytes: 10,
        source: 'upload',
        tags: ['kept'],
      });
      const { job } = await new JobRepository(dataSource).create({
        ownerUserId: 'restart',
        kind: 'ingest',
        total: 3,
      });
      written = { image, job };
      await dataSource.destroy();
    },
  };
});

describe('embedded PGlite', () => {
  it('keeps rows across a stop and a start over the same data directory', async () => {
    if (!dataDir || !written) throw new Error('the contract suite did not write its rows');
    const reopened = await openDatabase({ embedded: { dataDir } });
    try {
      expect(reopened.options).toMatchObject({ poolSize: 1 });
      expect(await new ImageRepository(reopened).findById('restart', written.image.imageId)).toMatchObject({
        sha256: 'a'.repeat(64),
        tags: ['kept'],
        createdAt: written.image.createdAt,
      });
      expect(await new JobRepository(reopened).get('restart', written.job.jobId)).toMatchObject({
        state: 'queued',
        total: 3,
      });
      const applied = (await reopened.query('SELECT count(*)::int AS n FROM schema_migrations')) as {
        n: number;
      }[];
      expect(applied[0].n).toBe(persistenceMigrations.length);
    } finally {
      await reopened.destroy();
    }
  }, 120_000);
});
