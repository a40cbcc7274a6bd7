/*
 * CPU per statement on the embedded database: an upload's three kinds of statement (an insert with
 * RETURNING, a guarded update, a lookup by index) on an images-like table, run by
 *   - PGlite itself, called in this thread (`db.query`, the bare library),
 *   - pg over the embedded transport (embedded-postgres.ts), each statement unnamed as pg sends it,
 *   - pg over the embedded transport with PreparingClient (what the embedded data source uses).
 * The modes take turns for several rounds, so that all meet the same machine; CPU is the process's
 * (every thread), per statement.
 *
 *   npx tsc -b tsconfig.build.json && npx tsc -p libs/persistence/bench && \
 *     node libs/persistence/dist/bench/bench/statements.bench.js [--n 700] [--rounds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../src/embedded-postgres';
import { PreparingClient } from '../src/prepared-statements';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const N = Number(flag('n', '700'));
const ROUNDS = Number(flag('rounds', '3'));

const SCHEMA = `CREATE TABLE images (image_id char(26) PRIMARY KEY, owner_user_id varchar(128) NOT NULL,
  sha256 char(64) NOT NULL, status varchar(16) NOT NULL, object_key varchar(1024) NOT NULL, width integer,
  height integer, size_bytes bigint NOT NULL, tags text[] NOT NULL DEFAULT '{}', phash char(16),
  quality_metrics jsonb, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX images_owner_sha ON images (owner_user_id, sha256)`;
const INSERT = `INSERT INTO images (image_id, owner_user_id, sha256, status, object_key, width, height, size_bytes,
  phash, quality_metrics) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`;
const UPDATE = `UPDATE images SET status = $1, updated_at = now() WHERE image_id = $2 AND status = $3 RETURNING *`;
const SELECT = `SELECT * FROM images WHERE owner_user_id = $1 AND sha256 = $2 LIMIT 1`;

type Run = (text: string, values: unknown[]) => Promise<unknown>;

interface Mode {
  name: string;
  /** Opens the mode for one round; the embedded server serves one connection at a time. */
  open: () => Promise<{ run: Run; close: () => Promise<void> }>;
}

let next = 0;
async function measure(run: Run): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < N; i += 1) {
    const id = String((next += 1)).padStart(26, '0');
    const sha = id.padEnd(64, 'a');
    await run(INSERT, [
      id,
      'bench',
      sha,
      'pending',
      `bench/${id}`,
      1024,
      768,
      123_456,
      'f'.repeat(16),
      '{"blur":0.1}',
    ]);
    await run(UPDATE, ['indexed', id, 'pending']);
    await run(SELECT, ['bench', sha]);
  }
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / (3 * N), wallMs: (performance.now() - start) / (3 * N) };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lookalike-statements-bench-'));
  const bare = await PGlite.create(join(dir, 'bare'));
  await bare.exec(SCHEMA);
  const server = await EmbeddedPostgres.start({ dataDir: join(dir, 'embedded') });
  const config = server.clientConfig();
  const schemaClient = new Client(config);
  await schemaClient.connect();
  await schemaClient.query(SCHEMA);
  await schemaClient.end();

  const overTransport = async (client: Client) => {
    await client.connect();
    return { run: (t: string, v: unknown[]) => client.query(t, v), close: () => client.end() };
  };
  const modes: Mode[] = [
    {
      name: 'PGlite in this thread (db.query)',
      open: async () => ({ run: (t, v) => bare.query(t, v), close: async () => undefined }),
    },
    { name: 'pg over the embedded transport, unnamed', open: () => overTransport(new Client(config)) },
    {
      name: 'pg over the embedded transport, prepared (PreparingClient)',
      open: () => overTransport(new PreparingClient(config)),
    },
  ];
  const results = new Map<string, { cpuMs: number; wallMs: number }[]>(modes.map((mode) => [mode.name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const mode of modes) {
      const opened = await mode.open();
      results.get(mode.name)!.push(await measure(opened.run));
      await opened.close();
    }
  }
  await bare.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const bareCpu = median(results.get(modes[0]!.name)!.map((r) => r.cpuMs));
  console.log(`## Embedded database: CPU per statement (${new Date().toISOString().slice(0, 16)}Z)\n`);
  console.log(
    `${N} x (insert ... RETURNING *, guarded update, indexed lookup) per round, ${ROUNDS} rounds in turn; median of the rounds.\n`,
  );
  console.log('| route | CPU ms / statement | wall ms / statement | rounds (CPU ms) | / bare PGlite |');
  console.log('| --- | ---: | ---: | --- | ---: |');
  for (const mode of modes) {
    const rows = results.get(mode.name)!;
    const cpu = median(rows.map((r) => r.cpuMs));
    console.log(
      `| ${mode.name} | ${cpu.toFixed(3)} | ${median(rows.map((r) => r.wallMs)).toFixed(3)} | ${rows.map((r) => r.cpuMs.toFixed(3)).join(' / ')} | ${(cpu / bareCpu).toFixed(2)}x |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
