import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { devLogin, startTestStack, StackMode, TestStack } from './support/test-stack';

const seedDir = resolve(__dirname, '../../../deploy/seed/images');
// Three of the bundled samples keep the test quick; the path is the same for all 57.
const SAMPLES = ['astronaut.jpg', 'coffee.jpg', 'coins.jpg'];

async function sampleDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lookalike-samples-'));
  for (const name of [...SAMPLES, 'README.md']) {
    await copyFile(join(seedDir, name === 'README.md' ? '../README.md' : name), join(dir, name));
  }
  return dir;
}

interface Job {
  job_id: string;
  state: string;
  done: number;
  total: number;
}

function client(url: string, token: string) {
  return (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
    });
}

async function finished(api: ReturnType<typeof client>, jobId: string): Promise<Job> {
  for (let i = 0; i < 240; i += 1) {
    const job = (await (await api(`/api/jobs/${jobId}`)).json()) as Job;
    if (['succeeded', 'failed', 'cancelled'].includes(job.state)) return job;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`job ${jobId} did not finish`);
}

const modes: StackMode[] = ['embedded', 'distributed'];

describe.each(modes)('first run: config and sample images (%s)', (mode) => {
  let stack: TestStack;
  let samples: string;

  beforeAll(async () => {
    samples = await sampleDir();
    stack = await startTestStack(mode, { env: { SAMPLES_DIR: samples }, seedDemo: mode === 'embedded' });
  });

  afterAll(async () => {
    await stack?.close();
    if (samples) await rm(samples, { recursive: true, force: true });
  });

  it('reports the run mode, dev login and (embedded, seeded) the suggested user without a token', async () => {
    const response = await fetch(`${stack.url}/api/config`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(
      mode === 'embedded'
        ? { run_mode: 'embedded', dev_login: true, suggested_user_id: 'demo' }
        : { run_mode: 'distributed', dev_login: true },
    );
  });

  if (mode === 'embedded') {
    it('the suggested user signs in to the sample library', async () => {
      const api = client(stack.url, await devLogin(stack.url, 'demo'));
      let images: { payload: { tags: string[] } }[] = [];
      for (let i = 0; i < 240 && images.length < SAMPLES.length; i += 1) {
        images = ((await (await api('/api/images')).json()) as { images: typeof images }).images;
        if (images.length < SAMPLES.length) await new Promise((done) => setTimeout(done, 250));
      }
      expect(images).toHaveLength(SAMPLES.length);
      expect(images.every((image) => image.payload.tags.includes('sample'))).toBe(true);
    });
  }

  it("loads the samples into a new user's empty library as a job, once", async () => {
    const api = client(stack.url, await devLogin(stack.url, `newcomer-${mode}`));
    expect(((await (await api('/api/images')).json()) as { images: unknown[] }).images).toHaveLength(0);

    const started = await api('/api/images/samples', { method: 'POST' });
    expect(started.status).toBe(202);
    const ref = (await started.json()) as { job_id: string; status_url: string };
    expect(ref.status_url).toBe(`/api/jobs/${ref.job_id}`);

    const job = await finished(api, ref.job_id);
    expect(job).toMatchObject({ state: 'succeeded', done: SAMPLES.length, total: SAMPLES.length });
    const listed = (await (await api('/api/images')).json()) as { images: { payload: { tags: string[] } }[] };
    expect(listed.images).toHaveLength(SAMPLES.length);
    expect(listed.images[0]!.payload.tags).toEqual(['sample']);

    const again = await api('/api/images/samples', { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(await again.json()).toMatchObject({
      type: 'https://lookalike.dev/problems/conflict',
      detail: expect.stringContaining('empty library'),
      errors: { reason: 'library_not_empty' },
    });
  });

  it('needs a token to load samples', async () => {
    expect((await fetch(`${stack.url}/api/images/samples`, { method: 'POST' })).status).toBe(401);
  });
});

describe.each(modes)('first run without sample images (%s)', (mode) => {
  let stack: TestStack;

  beforeAll(async () => {
    // The distributed default: SAMPLES_DIR unset.
    stack = await startTestStack(mode, {
      env: { SAMPLES_DIR: '' },
      omit: ['search', 'dedup', 'anomaly', 'feedback'],
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('answers 501 problem+json naming SAMPLES_DIR, and the config suggests nobody', async () => {
    expect(await (await fetch(`${stack.url}/api/config`)).json()).toEqual({
      run_mode: mode,
      dev_login: true,
    });
    const api = client(stack.url, await devLogin(stack.url, 'someone'));
    const response = await api('/api/images/samples', { method: 'POST' });
    expect(response.status).toBe(501);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({
      type: 'https://lookalike.dev/problems/not_implemented',
      detail: expect.stringContaining('SAMPLES_DIR'),
      errors: { reason: 'samples_unavailable' },
    });
  });
});
