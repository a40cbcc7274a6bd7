import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { devLogin, freePort } from './support/test-stack';

const repoRoot = resolve(__dirname, '../../..');
const IMAGE = '/work/shared/datasets/dev-nearcopies/images/astronaut.jpg';

jest.setTimeout(180_000);

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The embedded stack as `make demo` runs it (`services/embedded/dist/main.js`, gateway thread and
 * all): SIGINT and SIGTERM stop it with exit code 0, nothing on stderr, and what it accepted is
 * there after a restart on the same data.
 */
describe('stopping the embedded stack', () => {
  let dataDir: string;
  let port: number;
  let running: Running | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lookalike-shutdown-'));
    port = await freePort();
  });

  afterAll(async () => {
    running?.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<Running> {
    const child = spawn(process.execPath, [join(repoRoot, 'services/embedded/dist/main.js')], {
      env: {
        ...process.env,
        LOOKALIKE_DATA_DIR: dataDir,
        API_PORT: String(port),
        API_HOST: '127.0.0.1',
        SEED_DEMO: 'false',
        LOG_LEVEL: 'warn',
        CONSOLE_DIR: join(dataDir, 'no-console'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.once('exit', (code, signal) => done({ code, signal })),
    );
    const output = () => `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
    for (let i = 0; i < 240; i++) {
      if (child.exitCode !== null) throw new Error(`the stack exited at start:\n${output()}`);
      if (stdout.includes('Lookalike is running')) return { child, output, exited };
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the stack did not start in 60 s:\n${output()}`);
  }

  async function stop(stack: Running, signal: NodeJS.Signals): Promise<void> {
    stack.child.kill(signal);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000).unref());
    const result = await Promise.race([stack.exited, timeout]);
    if (result === 'timeout') throw new Error(`the stack did not stop in 30 s:\n${stack.output()}`);
    expect({ ...result, output: stack.output() }).toMatchObject({ code: 0, signal: null });
    // A clean stop says so and nothing more: no stack trace, no "already disposed".
    expect(stack.output()).not.toMatch(/Error|already disposed|unhandled/i);
  }

  it('stops on SIGINT with exit code 0 and keeps what it accepted', async () => {
    running = await start();
    const url = `http://127.0.0.1:${port}`;
    const token = await devLogin(url, 'shutdown-user');
    const form = new FormData();
    form.append('file', new Blob([await readFile(IMAGE)], { type: 'image/jpeg' }), 'astronaut.jpg');
    const upload = await fetch(`${url}/api/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(upload.status).toBe(201);
    const { image_id: imageId } = (await upload.json()) as { image_id: string };
    await stop(running, 'SIGINT');

    running = await start();
    const again = await devLogin(url, 'shutdown-user');
    const image = await fetch(`${url}/api/images/${imageId}`, {
      headers: { authorization: `Bearer ${again}` },
    });
    expect(image.status).toBe(200);
    expect(((await image.json()) as { status: string }).status).toBe('indexed');
    const similar = await fetch(`${url}/api/search/similar`, {
      method: 'POST',
      headers: { authorization: `Bearer ${again}`, 'content-type': 'application/json' },
      body: JSON.stringify({ image_id: imageId, exclude_self: false, limit: 1 }),
    });
    expect(similar.status).toBe(200);
    expect(((await similar.json()) as { hits: { image_id: string }[] }).hits[0]?.image_id).toBe(imageId);
    await stop(running, 'SIGTERM');
    running = undefined;
  });
});
