import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDataSource, databaseOptionsFor } from '../src/nest/persistence.module';

describe('PersistenceModule data source sharing', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookalike-persistence-module-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('parses the schema and pool size out of DATABASE_URL', () => {
    expect(
      databaseOptionsFor({
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test?schema=e2e_x&pool_size=3',
        LOOKALIKE_DATA_DIR: dir,
      }).options,
    ).toEqual({ url: 'postgres://postgres@127.0.0.1:5432/test', schema: 'e2e_x', poolSize: 3 });
    expect(databaseOptionsFor({ LOOKALIKE_DATA_DIR: dir }).options).toEqual({ embedded: { dataDir: dir } });
  });

  it('gives every module of a process one embedded database and closes it with the last release', async () => {
    const config = { LOOKALIKE_DATA_DIR: dir };
    const [first, second] = await Promise.all([acquireDataSource(config), acquireDataSource(config)]);
    expect(second.dataSource).toBe(first.dataSource);
    await first.release();
    await first.release();
    expect(second.dataSource.isInitialized).toBe(true);
    expect(await second.dataSource.query('SELECT count(*)::int AS n FROM images')).toEqual([{ n: 0 }]);
    await second.release();
    expect(second.dataSource.isInitialized).toBe(false);

    const third = await acquireDataSource(config);
    expect(third.dataSource).not.toBe(first.dataSource);
    await third.release();
  }, 60_000);
});
