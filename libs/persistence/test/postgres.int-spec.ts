import { spawnSync } from 'node:child_process';
import { dropSchema, openDatabase } from '../src';
import { describePersistenceContract } from './persistence.contract';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Jest registers tests synchronously, so the server is probed synchronously in a child process. */
function serverAnswers(url: string): boolean {
  const probe = `new (require('pg').Client)(${JSON.stringify(url)}).connect().then(() => process.exit(0), () => process.exit(1))`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000, cwd: __dirname }).status === 0;
}

const reachable = serverAnswers(DATABASE_URL);
if (!reachable) {
  console.warn(`PostgreSQL at ${DATABASE_URL} does not answer: the PostgreSQL persistence suite is skipped`);
}

(reachable ? describePersistenceContract : describe.skip)('PostgreSQL', async () => {
  // A schema per run, dropped afterwards, so runs never see each other's rows.
  const schema = `lookalike_test_${Date.now().toString(36)}_${process.pid}`;
  const dataSource = await openDatabase({ url: DATABASE_URL, schema, poolSize: 10 });
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await dropSchema(DATABASE_URL, schema);
    },
  };
});
