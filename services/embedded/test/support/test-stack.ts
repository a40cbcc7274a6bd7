import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Subjects } from '@lookalike/contracts';
import { LocalBus, MessageBus, NatsBus } from '@lookalike/messaging';
import { dropSchema } from '@lookalike/persistence';
import { EmbeddedServiceName, startEmbeddedStack } from '../../src/embedded-host';

export type StackMode = 'embedded' | 'distributed';

export interface TestStack {
  mode: StackMode;
  url: string;
  /** The transport the stack uses, for tests that stand in for a service. */
  bus: MessageBus;
  dataDir: string;
  /** Everything a service process wrote (distributed mode), by service name. */
  logs(service: string): string;
  close(): Promise<void>;
}

export interface TestStackOptions {
  omit?: EmbeddedServiceName[];
  env?: Record<string, string>;
  /** Embedded mode: load the samples into the tenant `demo` at start, as `make demo` does. */
  seedDemo?: boolean;
}

const repoRoot = resolve(__dirname, '../../../..');
const allServices: EmbeddedServiceName[] = ['embedding', 'ingest', 'search', 'dedup', 'anomaly', 'feedback'];

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

export async function startTestStack(mode: StackMode, options: TestStackOptions = {}): Promise<TestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), `lookalike-e2e-${mode}-`));
  const port = await freePort();
  const baseEnv: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: 'info',
    LOOKALIKE_DATA_DIR: dataDir,
    API_PORT: String(port),
    API_HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    AUTH_DEV_LOGIN: 'true',
    CONSOLE_DIR: join(dataDir, 'no-console'),
    ...options.env,
  };
  const services = allServices.filter((s) => !(options.omit ?? []).includes(s));
  if (mode === 'embedded') {
    const stack = await startEmbeddedStack(
      { ...baseEnv, TRANSPORT: 'local' },
      { services, seedDemo: options.seedDemo ?? false },
    );
    return {
      mode,
      url: stack.url,
      bus: LocalBus.forProcess(),
      dataDir,
      logs: () => '',
      close: async () => {
        await stack.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const prefix = `e2e${randomUUID().slice(0, 8)}`;
  // Separate processes cannot share an embedded PGlite: the distributed mode uses the PostgreSQL
  // server, in a schema of its own unless the test names a database.
  const ownSchema = options.env?.DATABASE_URL ? undefined : `e2e_${prefix}`;
  const env = {
    ...baseEnv,
    TRANSPORT: 'nats',
    NATS_SUBJECT_PREFIX: prefix,
    HEALTH_PORT: '0',
    ...(ownSchema ? { DATABASE_URL: `${serverUrl}?schema=${ownSchema}` } : {}),
  };
  const output = new Map<string, string>();
  const children: ChildProcess[] = [];
  for (const service of [...services, 'gateway']) {
    const child = spawn(process.execPath, [join(repoRoot, 'services', service, 'dist', 'main.js')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    output.set(service, '');
    const append = (chunk: Buffer) => output.set(service, (output.get(service) ?? '') + chunk.toString());
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    children.push(child);
  }
  const url = `http://127.0.0.1:${port}`;
  const diagnostics = () => [...output.entries()].map(([s, o]) => `--- ${s}\n${o.slice(-2000)}`).join('\n');
  await waitFor(`${url}/healthz`, 90_000, diagnostics);
  const bus = await NatsBus.connect({
    url: baseEnv.NATS_URL ?? 'nats://127.0.0.1:4222',
    name: 'e2e',
    subjectPrefix: prefix,
  });
  // Each service is up once it answers a request of its own (an error reply counts) over NATS.
  for (const service of services) {
    await waitForService(bus, probeSubjects[service], 90_000, diagnostics);
  }
  return {
    mode,
    url,
    bus,
    dataDir,
    logs: (service) => output.get(service) ?? '',
    close: async () => {
      await bus.close();
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) {
                done();
                return;
              }
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
            }),
        ),
      );
      if (ownSchema) {
        await dropSchema(serverUrl, ownSchema);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const probeSubjects: Record<EmbeddedServiceName, string> = {
  embedding: Subjects.EmbeddingModelInfo.name,
  ingest: Subjects.IngestGetJob.name,
  search: Subjects.SearchSimilar.name,
  dedup: Subjects.DedupListGroups.name,
  anomaly: Subjects.AnomalyList.name,
  feedback: Subjects.FeedbackList.name,
};

async function waitForService(
  bus: MessageBus,
  subject: string,
  timeoutMs: number,
  diagnostics: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const reply = await bus.request(subject, { data: new Uint8Array(), headers: {} }, 2000);
      if (reply.headers['lk-error-code'] !== 'unavailable') {
        return;
      }
    } catch {
      // no responder yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no service answered ${subject} within ${timeoutMs} ms\n${diagnostics()}`);
}

async function waitFor(url: string, timeoutMs: number, diagnostics: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms\n${diagnostics()}`);
}

export async function devLogin(url: string, userId: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: userId }),
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}
