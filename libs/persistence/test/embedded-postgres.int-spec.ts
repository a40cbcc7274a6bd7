import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../src';
import { PreparingClient } from '../src/prepared-statements';

// The embedded server's own transport (embedded-postgres.ts): pg over a MessagePort to the PGlite thread.
describe('embedded PostgreSQL transport', () => {
  let dir: string;
  let server: EmbeddedPostgres;
  const connect = async (client: Client = new Client(config())) => {
    await client.connect();
    return client;
  };
  const config = () => server.clientConfig();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookalike-embedded-pg-'));
    server = await EmbeddedPostgres.start({ dataDir: dir });
    const client = await connect();
    await client.query('CREATE TABLE items (id integer PRIMARY KEY, label text NOT NULL)');
    await client.end();
  }, 120_000);

  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs parameterised statements, simple queries and several statements in one query', async () => {
    const client = await connect();
    try {
      await client.query('INSERT INTO items VALUES ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
      const { rows } = await client.query<{ label: string }>('SELECT label FROM items WHERE id = $1', [2]);
      expect(rows).toEqual([{ label: 'two' }]);
      const results = (await client.query('SELECT 1 AS a; SELECT 2 AS b')) as unknown as {
        rows: unknown[];
      }[];
      expect(results.map((result) => result.rows)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
    } finally {
      await client.query('DELETE FROM items');
      await client.end();
    }
  });

  it('brings back an answer larger than PGlite keeps in one buffer, whole', async () => {
    const client = await connect();
    try {
      const { rows } = await client.query<{ text: string }>(
        "SELECT repeat('x', $1::int) AS text",
        [3_000_000],
      );
      expect(rows[0].text).toHaveLength(3_000_000);
    } finally {
      await client.end();
    }
  });

  it('reports a failed statement with its SQLSTATE and stays usable', async () => {
    const client = await connect();
    try {
      await expect(client.query('INSERT INTO items VALUES ($1, NULL)', [9])).rejects.toMatchObject({
        code: '23502',
      });
      await expect(client.query('SELEC 1')).rejects.toMatchObject({ code: '42601' });
      expect((await client.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 0 }]);
    } finally {
      await client.end();
    }
  });

  it('lets a second connection wait until the first ends, then serves it', async () => {
    const first = await connect();
    const second = new Client(config());
    let connected = false;
    const connecting = second.connect().then(() => {
      connected = true;
    });
    try {
      await first.query('INSERT INTO items VALUES ($1, $2)', [3, 'three']);
      expect((await first.query('SELECT label FROM items')).rows).toEqual([{ label: 'three' }]);
      expect(connected).toBe(false);
    } finally {
      await first.end();
    }
    await connecting;
    try {
      expect((await second.query('SELECT label FROM items')).rows).toEqual([{ label: 'three' }]);
    } finally {
      await second.query('DELETE FROM items');
      await second.end();
    }
  });

  it('rolls back what a connection left open and discards its prepared statements when it ends', async () => {
    const first = await connect(new PreparingClient(config()));
    await first.query('BEGIN');
    await first.query('INSERT INTO items VALUES ($1, $2)', [5, 'uncommitted']);
    for (let n = 0; n < 3; n += 1) await first.query('SELECT label FROM items WHERE id = $1', [5]);
    const prepared = await first.query<{ name: string }>('SELECT name FROM pg_prepared_statements');
    expect(prepared.rows).toHaveLength(1);
    await first.end();

    const second = await connect(new PreparingClient(config()));
    try {
      expect((await second.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 0 }]);
      expect((await second.query('SELECT name FROM pg_prepared_statements')).rows).toEqual([]);
      // The same text gets the same name on the new connection, which must be free to prepare it again.
      for (let n = 0; n < 3; n += 1) await second.query('SELECT label FROM items WHERE id = $1', [5]);
      expect((await second.query('SELECT name FROM pg_prepared_statements')).rows).toEqual(prepared.rows);
    } finally {
      await second.end();
    }
  });

  it('prepares a repeated statement once and gives the same rows as unnamed', async () => {
    const client = new PreparingClient(config());
    await connect(client);
    try {
      for (let id = 10; id < 20; id += 1)
        await client.query('INSERT INTO items VALUES ($1, $2)', [id, `item ${id}`]);
      const { rows } = await client.query<{ name: string; statement: string }>(
        'SELECT name, statement FROM pg_prepared_statements',
      );
      expect(rows).toEqual([
        { name: expect.stringMatching(/^lk_/), statement: 'INSERT INTO items VALUES ($1, $2)' },
      ]);
      expect(
        (await client.query('SELECT id, label FROM items WHERE id >= $1 ORDER BY id', [18])).rows,
      ).toEqual([
        { id: 18, label: 'item 18' },
        { id: 19, label: 'item 19' },
      ]);
    } finally {
      await client.query('DELETE FROM items');
      await client.end();
    }
  });
});
