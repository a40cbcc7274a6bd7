import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { BoundedWorkerPool, QUEUE_PER_THREAD, workerFile } from './bounded-pool';

const fixture = resolve(__dirname, '../test/fixtures/sleep-worker.js');

describe('workerFile', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'worker-file-'));
    mkdirSync(join(root, 'pkg/dist/model'), { recursive: true });
    writeFileSync(join(root, 'pkg/dist/model/job-worker.js'), '');
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds the compiled worker in dist/ at the same place when the caller runs from its sources', () => {
    expect(workerFile(join(root, 'pkg/src/model/pool.ts'), 'job-worker')).toBe(
      join(root, 'pkg/dist/model/job-worker.js'),
    );
  });

  it('finds it beside the caller when the caller runs compiled', () => {
    expect(workerFile(join(root, 'pkg/dist/model/pool.js'), 'job-worker')).toBe(
      join(root, 'pkg/dist/model/job-worker.js'),
    );
  });

  it('names the missing file and the build to run', () => {
    expect(() => workerFile(join(root, 'pkg/src/pool.ts'), 'job-worker')).toThrow(
      /pkg\/dist\/job-worker\.js is missing: build the sources \(make build\) first/,
    );
    expect(() => workerFile(join(root, 'elsewhere/pool.ts'), 'job-worker')).toThrow(
      /not under a src\/ folder/,
    );
  });
});

describe('BoundedWorkerPool', () => {
  let pool: BoundedWorkerPool | undefined;

  afterEach(async () => {
    await pool?.close(true);
    pool = undefined;
  });

  it('runs tasks on its threads, a named export when asked, and moves transferred buffers', async () => {
    pool = new BoundedWorkerPool({ filename: fixture, threads: 2, busyMessage: 'test workers are busy' });
    expect(pool.threads).toBe(2);
    const answers = await Promise.all(
      [1, 2, 3, 4].map((value) => pool!.run<{ value: number; threadId: number }>({ ms: 50, value })),
    );
    expect(answers.map((a) => a.value)).toEqual([1, 2, 3, 4]);
    expect(new Set(answers.map((a) => a.threadId)).size).toBe(2);
    const bytes = new Uint8Array(1000);
    expect(await pool.run(bytes, { name: 'size', transferList: [bytes.buffer] })).toBe(1000);
    expect(bytes.byteLength).toBe(0); // moved, not copied
  });

  it('refuses a task past the full queue with busy and a retry hint, and runs the others', async () => {
    pool = new BoundedWorkerPool({
      filename: fixture,
      threads: 1,
      maxQueue: 2,
      busyMessage: 'test workers are busy',
    });
    const accepted = [1, 2, 3].map((value) => pool!.run({ ms: 100, value }));
    const refused = await pool.run({ ms: 0, value: 4 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LookalikeError);
    expect((refused as LookalikeError).code).toBe(ErrorCode.Busy);
    expect((refused as LookalikeError).message).toBe('test workers are busy; retry shortly');
    expect((refused as LookalikeError).retryAfterSeconds).toBe(1);
    expect(pool.queued).toBeGreaterThan(0);
    expect((await Promise.all(accepted)).map((a) => (a as { value: number }).value)).toEqual([1, 2, 3]);
  });

  it('bounds its queue at QUEUE_PER_THREAD tasks per thread unless told otherwise', async () => {
    pool = new BoundedWorkerPool({ filename: fixture, threads: 1, busyMessage: 'test workers are busy' });
    const running = pool.run({ ms: 300, value: 0 });
    await new Promise((r) => setTimeout(r, 50));
    const queued = Array.from({ length: QUEUE_PER_THREAD }, (_, i) => pool!.run({ ms: 0, value: i + 1 }));
    await expect(pool.run({ ms: 0, value: -1 })).rejects.toMatchObject({ code: ErrorCode.Busy });
    await Promise.all([running, ...queued]);
  });

  it('passes other failures through as they are', async () => {
    pool = new BoundedWorkerPool({ filename: fixture, threads: 1, busyMessage: 'test workers are busy' });
    await expect(pool.run({ ms: 0 }, { name: 'missing' })).rejects.not.toBeInstanceOf(LookalikeError);
  });
});
