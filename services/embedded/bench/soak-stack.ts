import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export type SoakMode = 'embedded' | 'distributed';

/** A free loopback port: signed object URLs must name the gateway's real port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface ServerProcess {
  name: string;
  script: string;
  env: NodeJS.ProcessEnv;
  /** Where its /metrics and /readyz answer. */
  probeUrl: string;
  child?: ChildProcess;
  log: string;
}

const DISTRIBUTED = ['embedding', 'ingest', 'search', 'dedup', 'anomaly', 'feedback', 'gateway'] as const;
const LOG_KEEP = 64 * 1024;

export interface SoakStackOptions {
  root: string;
  dataDir: string;
  /** Distributed mode: the PostgreSQL URL (with its `?schema=`) and a subject prefix of its own. */
  databaseUrl?: string;
  subjectPrefix?: string;
  startTimeoutMs?: number;
}

/**
 * The stack under test as child processes of the bench: one `services/embedded/dist/main.js` in
 * the embedded mode, one `services/<name>/dist/main.js` per service over NATS in the distributed
 * mode. Their CPU and memory are read from /proc, apart from the bench's own.
 */
export class SoakStack {
  private constructor(
    readonly mode: SoakMode,
    readonly url: string,
    private readonly processes: ServerProcess[],
    private readonly startTimeoutMs: number,
  ) {}

  static async start(mode: SoakMode, options: SoakStackOptions): Promise<SoakStack> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const inherited: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['DATABASE_URL', 'TRANSPORT', 'NATS_SUBJECT_PREFIX', 'HEALTH_PORT', 'SEED_DIR']) {
      delete inherited[name];
    }
    const base: NodeJS.ProcessEnv = {
      ...inherited,
      LOG_LEVEL: 'warn',
      LOOKALIKE_DATA_DIR: options.dataDir,
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      PUBLIC_BASE_URL: url,
      AUTH_DEV_LOGIN: 'true',
      // The soak measures the stack, not the per-client rate limit.
      RATE_LIMIT_PER_MINUTE: '100000000',
      CONSOLE_DIR: join(options.dataDir, 'no-console'),
    };
    const processes: ServerProcess[] = [];
    if (mode === 'embedded') {
      processes.push({
        name: 'embedded',
        script: join(options.root, 'services/embedded/dist/main.js'),
        env: { ...base, SEED_DEMO: 'false' },
        probeUrl: url,
        log: '',
      });
    } else {
      if (!options.databaseUrl || !options.subjectPrefix) {
        throw new Error('the distributed mode needs a database URL and a subject prefix');
      }
      for (const name of DISTRIBUTED) {
        const healthPort = name === 'gateway' ? port : await freePort();
        processes.push({
          name,
          script: join(options.root, 'services', name, 'dist/main.js'),
          env: {
            ...base,
            TRANSPORT: 'nats',
            NATS_SUBJECT_PREFIX: options.subjectPrefix,
            DATABASE_URL: options.databaseUrl,
            HEALTH_PORT: name === 'gateway' ? '0' : String(healthPort),
          },
          probeUrl: `http://127.0.0.1:${healthPort}`,
          log: '',
        });
      }
    }
    const stack = new SoakStack(mode, url, processes, options.startTimeoutMs ?? 240_000);
    await stack.launch();
    return stack;
  }

  /** The /metrics endpoints of every process. */
  metricsUrls(): string[] {
    return this.processes.map((p) => `${p.probeUrl}/metrics`);
  }

  /** Process ids of the running server processes. */
  pids(): number[] {
    return this.processes.flatMap((p) => (p.child?.pid && p.child.exitCode === null ? [p.child.pid] : []));
  }

  logTail(chars = 3000): string {
    return this.processes.map((p) => `--- ${p.name}\n${p.log.slice(-chars)}`).join('\n');
  }

  /** SIGKILL to every server process, as a crash would; resolves once they are gone. */
  async kill9(): Promise<void> {
    // The gateway (last) first, so no answer leaves for a request the services behind it lost.
    await Promise.all([...this.processes].reverse().map((p) => this.signal(p, 'SIGKILL', 0)));
  }

  /** Starts the processes again on the same data, ports and database; resolves once they are ready. */
  async restart(): Promise<void> {
    await this.launch();
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => this.signal(p, 'SIGTERM', 15_000)));
  }

  private async launch(): Promise<void> {
    for (const p of this.processes) {
      // BENCH_STACK_NODE_ARGS: node flags for the stack's processes (those NODE_OPTIONS refuses, e.g. --trace-gc).
      const nodeArgs = (process.env.BENCH_STACK_NODE_ARGS ?? '').split(' ').filter(Boolean);
      const child = spawn(process.execPath, [...nodeArgs, p.script], {
        env: p.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // BENCH_STACK_LOG keeps each process's whole output (e.g. NODE_OPTIONS=--trace-gc) in `<path>.<name>`.
      const whole = process.env.BENCH_STACK_LOG;
      const append = (chunk: Buffer) => {
        p.log = (p.log + chunk.toString()).slice(-LOG_KEEP);
        if (whole) appendFileSync(`${whole}.${p.name}`, chunk);
      };
      child.stdout?.on('data', append);
      child.stderr?.on('data', append);
      p.child = child;
    }
    const deadline = Date.now() + this.startTimeoutMs;
    for (const p of this.processes) {
      for (;;) {
        if (p.child?.exitCode !== null) {
          throw new Error(`${p.name} exited during start\n${this.logTail()}`);
        }
        try {
          if ((await fetch(`${p.probeUrl}/readyz`, { signal: AbortSignal.timeout(5000) })).ok) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) {
          throw new Error(`${p.name} was not ready within ${this.startTimeoutMs} ms\n${this.logTail()}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private signal(p: ServerProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = p.child;
    return new Promise<void>((done) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        done();
        return;
      }
      child.once('exit', () => done());
      child.kill(signal);
      if (graceMs > 0) setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
    });
  }
}

const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  cpuSeconds: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    };
  } catch {
    return undefined;
  }
}

function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Server CPU seconds, summed over the stack's processes and their descendants, sampled every
 * second so that a process killed between two readings loses at most its last second. A process
 * that is gone keeps its last reading, so the total never goes back.
 */
export class CpuSampler {
  private readonly last = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly roots: () => number[]) {
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  /** Reads every process now and returns the CPU seconds used so far. */
  sample(): number {
    const pids = new Set(this.roots());
    const stats = new Map<number, ProcStat>();
    if (pids.size > 0) {
      for (const d of readdirSync('/proc')) {
        if (!/^\d+$/.test(d)) continue;
        const stat = readStat(Number(d));
        if (stat) stats.set(Number(d), stat);
      }
      // Descendants (anything a service spawns) count as the server's too.
      let grew = true;
      while (grew) {
        grew = false;
        for (const [pid, stat] of stats) {
          if (!pids.has(pid) && pids.has(stat.ppid)) {
            pids.add(pid);
            grew = true;
          }
        }
      }
    }
    for (const pid of pids) {
      const stat = stats.get(pid);
      if (stat) this.last.set(pid, stat.cpuSeconds);
    }
    let total = 0;
    for (const seconds of this.last.values()) total += seconds;
    return total;
  }

  /** Resident memory of the live server processes, in bytes. */
  rss(): number {
    return this.roots().reduce((sum, pid) => sum + rssBytes(pid), 0);
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/**
 * A multipart body with one `file` part, built by hand: the benches send it through fetch as bytes
 * (undici's FormData would copy every upload through Blobs).
 */
export function multipartFile(
  bytes: Buffer,
  filename: string,
  contentType = 'image/jpeg',
): { body: Buffer; type: string } {
  const boundary = `----bench${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: ${contentType}\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}
