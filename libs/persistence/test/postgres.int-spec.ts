import { spawnSync } from 'node:child_process';
import { DataSource } from 'typeorm';
import { dropSchema, ensureSchema, openDatabase } from '../src';
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

(reachable ? describe : describe.skip)('PostgreSQL, services starting together', () => {
  it('creates a new schema from many connections at the same moment without an error', async () => {
    // Plain CREATE SCHEMA IF NOT EXISTS from 8 connections at once fails on most of them
    // (pg_namespace's unique index); services starting together on a new schema did exactly that.
    const connections = await Promise.all(
      Array.from({ length: 8 }, () => new DataSource({ type: 'postgres', url: DATABASE_URL }).initialize()),
    );
    const schemas: string[] = [];
    try {
      for (let round = 0; round < 5; round += 1) {
        const schema = `lookalike_race_${Date.now().toString(36)}_${process.pid}_${round}`;
        schemas.push(schema);
        await Promise.all(connections.map((c) => ensureSchema(c, schema)));
        const found = (await connections[0]!.query(
          'SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = $1',
          [schema],
        )) as { n: number }[];
        expect(found[0]!.n).toBe(1);
      }
    } finally {
      for (const schema of schemas) await dropSchema(DATABASE_URL, schema);
      await Promise.all(connections.map((c) => c.destroy()));
    }
  }, 60_000);

  it('opens one new schema from several services at once', async () => {
    const schema = `lookalike_open_${Date.now().toString(36)}_${process.pid}`;
    try {
      const opened = await Promise.all(
        Array.from({ length: 4 }, () => openDatabase({ url: DATABASE_URL, schema, poolSize: 2 })),
      );
      const rows = (await opened[0]!.query('SELECT count(*)::int AS n FROM schema_migrations')) as {
        n: number;
      }[];
      expect(rows[0]!.n).toBeGreaterThan(0);
      await Promise.all(opened.map((db) => db.destroy()));
    } finally {
      await dropSchema(DATABASE_URL, schema);
    }
  }, 60_000);
});
