import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { JetStreamJobQueue, NatsBus, RpcClient } from '@lookalike/messaging';
import { createObjectStore, loadObjectSigningKey, type ObjectStore } from '@lookalike/object-store';
import { openDatabase, type LookalikeDataSource } from '@lookalike/persistence';

const repoRoot = resolve(__dirname, '../../../..');
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The ingest service as its own process (distributed mode: NATS with JetStream jobs, PostgreSQL in
 * a schema of its own, a local object store), for tests that kill it mid-job and start another:
 * the bus, an RPC client, the database and the store stay with the test across restarts.
 */
export class IngestProcess {
  private child?: ChildProcess;
  private output = '';

  private constructor(
    readonly dataDir: string,
    readonly bus: NatsBus,
    readonly rpc: RpcClient,
    readonly db: LookalikeDataSource,
    readonly store: ObjectStore,
    private readonly prefix: string,
    private readonly schema: string,
    private readonly env: Record<string, string>,
  ) {}

  /** `name` names the temporary folder, the schema and the subject prefix; `env` adds to the service's. */
  static async open(name: string, env: Record<string, string> = {}): Promise<IngestProcess> {
    const prefix = `${name}${randomUUID().slice(0, 8)}`;
    const schema = `e2e_${name}_${Date.now()}`;
    const dataDir = await mkdtemp(join(tmpdir(), `lookalike-${name}-`));
    const bus = await NatsBus.connect({
      url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      name: `${name}-e2e`,
      subjectPrefix: prefix,
    });
    const rpc = new RpcClient(bus, { service: `${name}-e2e`, timeoutOverrideMs: 60_000 });
    const db = await openDatabase({ url: PG_URL, schema, poolSize: 2 });
    const store = await createObjectStore({
      kind: 'local',
      dir: join(dataDir, 'objects'),
      baseUrl: 'http://127.0.0.1:1/api/objects',
      signingKey: await loadObjectSigningKey(dataDir),
    });
    return new IngestProcess(dataDir, bus, rpc, db, store, prefix, schema, env);
  }

  /** Starts a process and waits until its job runner is up. */
  async start(): Promise<void> {
    this.output = '';
    const child = spawn(process.execPath, [join(repoRoot, 'services/ingest/dist/main.js')], {
      env: {
        ...process.env,
        TRANSPORT: 'nats',
        NATS_SUBJECT_PREFIX: this.prefix,
        LOOKALIKE_DATA_DIR: this.dataDir,
        DATABASE_URL: `${PG_URL}?schema=${this.schema}`,
        HEALTH_PORT: '0',
        LOG_LEVEL: 'info',
        JOB_LEASE_SECONDS: '3',
        JOB_ACK_WAIT_MS: '3000',
        RECONCILE_STALE_SECONDS: '0',
        RECONCILE_INTERVAL_SECONDS: '0',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (this.output.includes('job runner started')) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`ingest did not start\n${this.output.slice(-3000)}`);
  }

  /** SIGKILL, and wait for the process to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async close(): Promise<void> {
    await this.kill();
    await new JetStreamJobQueue(this.bus.raw, { subjectPrefix: this.prefix })
      .destroy()
      .catch(() => undefined);
    await this.bus.close();
    await this.db.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`).catch(() => undefined);
    await this.db.destroy();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
