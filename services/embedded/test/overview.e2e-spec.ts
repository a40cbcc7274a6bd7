import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BusSubscription } from '@lookalike/messaging';
import { loadNearCopies, NEAR_COPIES_DIR } from '../../dedup/test/support/near-copies-fixture';
import { FIXTURE_STACK_ENV, serveFixtureEmbedding, uploadImage } from './support/fixture-embedding';
import { devLogin, startTestStack, type StackMode, type TestStack } from './support/test-stack';

/**
 * The overview (issue 17) through the gateway, in both run modes: QC statistics of a tenant with
 * near copies, a refused upload and reviews (`GET /api/stats`), the per-tenant QC series on
 * /metrics, and the embedding map computed as a job (`POST`/`GET /api/stats/map`).
 */
const modes: StackMode[] = (process.env.OVERVIEW_E2E_MODES?.split(',') as StackMode[] | undefined) ?? [
  'embedded',
  'distributed',
];
const BASES = ['astronaut', 'coffee'];

jest.setTimeout(180_000);

interface Stats {
  window: string;
  bucket: string;
  library: {
    stills: number;
    frames: number;
    videos: number;
    indexed: number;
    failed: number;
    processing: number;
  };
  duplicates: {
    exact: { open_groups: number; open_copies: number };
    near: { open_groups: number; open_copies: number };
    copies: number;
    rate: number;
    open_groups: number;
    resolved_groups: number;
  };
  anomaly_queue: { depth: number; oldest_age_seconds: number; flag_score: number };
  reviews: { last_hour: number; last_24h: number };
  uploads: { created: number; duplicate: number; rejected: number; failed: number };
  series: { t: string; uploads: number; duplicate_groups: number; reviews: number; backlog: number }[];
}

interface MapAnswer {
  status: string;
  job_id?: string;
  total_points: number;
  sampled: boolean;
  image_ids: string[];
  x: number[];
  y: number[];
  anomaly: number[];
  group: number[];
  tag: string[];
  group_ids: string[];
  group_kinds: string[];
}

describe.each(modes)('overview: QC statistics, per-tenant metrics and the embedding map (%s)', (mode) => {
  let stack: TestStack;
  let embedding: BusSubscription;
  let token: string;
  let other: string;
  const files: string[] = [];
  /** Uploaded image id -> the dev photo it is a copy of. */
  const baseOf = new Map<string, string>();

  beforeAll(async () => {
    stack = await startTestStack(mode, {
      env: { ...FIXTURE_STACK_ENV, INGEST_OUTCOMES_FLUSH_MS: '200', STATS_METRICS_INTERVAL_S: '1' },
    });
    embedding = await serveFixtureEmbedding(stack.bus, stack.dataDir);
    token = await devLogin(stack.url, 'olivia');
    other = await devLogin(stack.url, 'oscar');
    const images = loadNearCopies().images.filter((im) => BASES.includes(im.base));
    for (const im of images) {
      files.push(im.file);
      const response = await uploadImage(
        stack.url,
        token,
        await readFile(join(NEAR_COPIES_DIR, 'images', im.file)),
        im.file,
      );
      expect(response.status).toBe(201);
      baseOf.set(((await response.json()) as { image_id: string }).image_id, im.base);
    }
    // The same bytes again (a duplicate answer) and a file that is no image (a refusal).
    const again = await uploadImage(
      stack.url,
      token,
      await readFile(join(NEAR_COPIES_DIR, 'images', files[0]!)),
      'again.jpg',
    );
    expect(((await again.json()) as { status: string }).status).toBe('duplicate');
    const refused = await uploadImage(stack.url, token, Buffer.from('not an image at all'), 'note.jpg');
    expect(refused.status).toBe(415);
  }, 300_000);

  afterAll(async () => {
    await embedding?.unsubscribe();
    await stack?.close();
  });

  const api = (path: string, init: RequestInit = {}, as = token) =>
    fetch(`${stack.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${as}`, ...(init.headers ?? {}) },
    });

  async function stats(window = '24h', as = token): Promise<Stats> {
    const response = await api(`/api/stats?window=${window}`, {}, as);
    expect(response.status).toBe(200);
    return (await response.json()) as Stats;
  }

  it('counts the library, its duplicates by tier, groups, reviews and upload outcomes', async () => {
    // Upload outcomes reach SQL within the flush interval.
    let s = await stats();
    for (let i = 0; i < 50 && s.uploads.rejected < 1; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      s = await stats();
    }
    expect(s.library).toMatchObject({
      stills: files.length,
      frames: 0,
      videos: 0,
      indexed: files.length,
      failed: 0,
    });
    expect(s.uploads).toEqual({ created: files.length, duplicate: 1, rejected: 1, failed: 0 });
    expect(s.duplicates.open_groups).toBeGreaterThan(0);
    expect(s.duplicates.copies).toBeGreaterThan(0);
    expect(s.duplicates.copies).toBeLessThan(files.length);
    expect(s.duplicates.rate).toBeCloseTo(s.duplicates.copies / files.length, 6);
    expect(s).toMatchObject({ window: '24h', bucket: 'hour' });
    expect(s.series).toHaveLength(24);
    const last = s.series[s.series.length - 1]!;
    expect(last.uploads).toBe(files.length);
    expect(last.backlog).toBe(s.duplicates.open_groups);
    expect(s.series.reduce((n, p) => n + p.duplicate_groups, 0)).toBeGreaterThanOrEqual(
      s.duplicates.open_groups,
    );

    // A reviewer resolves a group: the backlog shrinks and the review counts.
    const groups = (await (await api('/api/dedup/groups?status=open&media=image')).json()) as {
      groups: { group_id: string; suggested_keep: string; members: { image_id: string }[] }[];
    };
    const group = groups.groups[0]!;
    const resolve = await api(`/api/dedup/groups/${group.group_id}/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        keep: [group.suggested_keep],
        duplicates: group.members.map((m) => m.image_id).filter((id) => id !== group.suggested_keep),
      }),
    });
    expect(resolve.status).toBe(200);
    const after = await stats('7d');
    expect(after.duplicates.resolved_groups).toBe(s.duplicates.resolved_groups + 1);
    expect(after.duplicates.open_groups).toBe(s.duplicates.open_groups - 1);
    expect(after.reviews.last_hour).toBeGreaterThanOrEqual(group.members.length - 1);
    expect(after).toMatchObject({ window: '7d', bucket: 'day' });
    expect(after.series).toHaveLength(7);
    expect(after.series[6]!.backlog).toBe(after.duplicates.open_groups);

    // Another tenant sees only its own (empty) library; a bad window is a typed 400.
    expect((await stats('24h', other)).library.stills).toBe(0);
    const bad = await api('/api/stats?window=1y');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
  });

  // The embedded gateway serves every module's series; distributed services each serve their own
  // /metrics on a port of their own (the test stack does not expose them).
  (mode === 'embedded' ? it : it.skip)('publishes the per-tenant QC series on /metrics', async () => {
    let text = '';
    for (let i = 0; i < 30; i += 1) {
      text = await (await fetch(`${stack.url}/metrics`)).text();
      // Recounted every second: the group resolved by the test before shows once a recount ran.
      if (/lookalike_qc_groups\{tenant="olivia",media="image",status="resolved"\} 1/.test(text)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(text).toContain(`lookalike_qc_images{tenant="olivia",kind="still"} ${files.length}`);
    expect(text).toMatch(/lookalike_qc_duplicate_rate\{tenant="olivia"\} 0\.\d+/);
    expect(text).toMatch(/lookalike_qc_groups\{tenant="olivia",media="image",status="resolved"\} 1/);
    expect(text).toMatch(/lookalike_qc_ingest_outcomes_total\{tenant="olivia",outcome="rejected"\} 1/);
    expect(text).toContain('lookalike_qc_anomaly_queue_depth{tenant="olivia"}');
  });

  it('computes the embedding map as a job and colours its points by group', async () => {
    expect(((await (await api('/api/stats/map')).json()) as MapAnswer).status).toBe('none');
    const started = await api('/api/stats/map', { method: 'POST' });
    expect(started.status).toBe(202);
    const { job_id, status_url } = (await started.json()) as { job_id: string; status_url: string };
    let job = { state: '' };
    for (let i = 0; i < 300 && job.state !== 'succeeded' && job.state !== 'failed'; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      job = (await (await api(status_url)).json()) as { state: string };
    }
    expect(job.state).toBe('succeeded');
    const map = (await (await api('/api/stats/map')).json()) as MapAnswer;
    expect(map).toMatchObject({ status: 'ready', job_id, total_points: files.length, sampled: false });
    expect(map.image_ids).toHaveLength(files.length);
    for (const list of [map.x, map.y, map.anomaly, map.group, map.tag])
      expect(list).toHaveLength(files.length);
    expect(map.x.every((v) => v >= 0 && v <= 1) && map.y.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(Math.max(...map.x) - Math.min(...map.x)).toBeGreaterThan(0.5);
    const grouped = map.group.filter((g) => g >= 0);
    expect(grouped.length).toBeGreaterThan(0);
    expect(grouped.every((g) => g < map.group_ids.length)).toBe(true);
    expect(map.group_kinds).toHaveLength(map.group_ids.length);
    // Copies of one photo land closer to each other than to the other photo's copies, on average.
    const distance = (i: number, j: number) => Math.hypot(map.x[i]! - map.x[j]!, map.y[i]! - map.y[j]!);
    const [same, apart] = [[] as number[], [] as number[]];
    for (let i = 0; i < map.image_ids.length; i += 1) {
      for (let j = i + 1; j < map.image_ids.length; j += 1) {
        const together = baseOf.get(map.image_ids[i]!) === baseOf.get(map.image_ids[j]!);
        (together ? same : apart).push(distance(i, j));
      }
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(same)).toBeLessThan(mean(apart));
    // The other tenant has no map.
    expect(((await (await api('/api/stats/map', {}, other)).json()) as MapAnswer).status).toBe('none');
  });
});
