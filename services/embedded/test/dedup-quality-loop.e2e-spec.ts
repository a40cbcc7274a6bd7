import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BusSubscription } from '@lookalike/messaging';
import { loadNearCopies, NEAR_COPIES_DIR } from '../../dedup/test/support/near-copies-fixture';
import { FIXTURE_STACK_ENV, serveFixtureEmbedding, uploadImage } from './support/fixture-embedding';
import { devLogin, startTestStack, type StackMode, type TestStack } from './support/test-stack';

/**
 * The reviewers' loop through the gateway, in both run modes: uploads go through ingest, whose
 * embedding call is answered with the committed MobileNetV2 vectors of dev-nearcopies (by the
 * bytes' sha256, serveFixtureEmbedding), so the sweep sees the offline default model's real
 * geometry without loading it.
 */
const modes: StackMode[] = (process.env.QUALITY_E2E_MODES?.split(',') as StackMode[] | undefined) ?? [
  'embedded',
  'distributed',
];
const BASES = ['astronaut', 'coffee', 'horse'];
const EXTRA = ['flat_gray.jpg', 'odd_aspect_banner.jpg', 'text.jpg'];

jest.setTimeout(180_000);

interface Group {
  group_id: string;
  kind: string;
  status: string;
  suggested_keep: string;
  members: {
    image_id: string;
    hamming: number;
    cosine: number;
    quality_score: number;
    evidence?: {
      rule: string;
      verified: boolean;
      inliers: number;
      homography: number[];
      keep_region?: { x: number; y: number; width: number; height: number };
      member_region?: { x: number; y: number; width: number; height: number };
      points: number[][];
    };
  }[];
}

interface UploadAnswer {
  image_id: string;
  status: string;
  near_duplicates: { image_id: string; kind: string; hamming: number; cosine: number }[];
  duplicate_check: string;
}

describe.each(modes)('dedup, anomaly review and feedback through the gateway (%s)', (mode) => {
  let stack: TestStack;
  let embedding: BusSubscription;
  let alice: string;
  let bob: string;
  const fileOf = new Map<string, string>();
  const idOf = new Map<string, string>();
  const answers = new Map<string, UploadAnswer>();

  beforeAll(async () => {
    stack = await startTestStack(mode, { env: FIXTURE_STACK_ENV });
    embedding = await serveFixtureEmbedding(stack.bus, stack.dataDir);
    alice = await devLogin(stack.url, 'alice');
    bob = await devLogin(stack.url, 'bob');
    const files = loadNearCopies()
      .images.filter((im) => BASES.includes(im.base) || EXTRA.includes(im.file))
      .map((im) => im.file);
    for (const file of files) {
      const bytes = await readFile(join(NEAR_COPIES_DIR, 'images', file));
      const response = await upload(alice, bytes, file);
      expect(response.status).toBe(201);
      const body = (await response.json()) as UploadAnswer;
      fileOf.set(body.image_id, file);
      idOf.set(file, body.image_id);
      answers.set(file, body);
    }
  }, 300_000);

  afterAll(async () => {
    await embedding?.unsubscribe();
    await stack?.close();
  });

  const upload = (token: string, bytes: Buffer, name: string) => uploadImage(stack.url, token, bytes, name);

  async function api(token: string, path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${stack.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
  }

  async function json<T>(response: Response, status = 200): Promise<T> {
    const text = await response.text();
    if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  async function runJob(path: string): Promise<{ state: string; result?: unknown }> {
    const { job_id } = await json<{ job_id: string }>(await api(alice, path, { method: 'POST' }), 202);
    for (let i = 0; i < 300; i += 1) {
      const job = await json<{ state: string }>(await api(alice, `/api/jobs/${job_id}`));
      if (job.state === 'succeeded' || job.state === 'failed') return job;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`job ${job_id} did not finish`);
  }

  async function groups(token: string, query: string): Promise<Group[]> {
    const out: Group[] = [];
    let cursor = '';
    do {
      const page = await json<{ groups: Group[]; next_cursor?: string }>(
        await api(token, `/api/dedup/groups?${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`),
      );
      out.push(...page.groups);
      cursor = page.next_cursor ?? '';
    } while (cursor);
    return out;
  }

  const base = (file: string): string => file.replace(/\.[a-z]+$/, '').split('__')[0];

  it("answers each upload with the dedup service's near copies already in the collection", async () => {
    const order = ['exact', 'near', 'similar'];
    let reportedNear = 0;
    for (const [file, answer] of answers) {
      expect({ file, check: answer.duplicate_check }).toEqual({ file, check: 'ok' });
      const ranks = answer.near_duplicates.map((n) => order.indexOf(n.kind));
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      for (const n of answer.near_duplicates.filter((d) => d.kind === 'near')) {
        // The check uses the sweep's tiers (pHash + cosine, or geometric verification), so a near
        // match is a true copy, as in the near groups.
        expect(base(fileOf.get(n.image_id) as string)).toBe(base(file));
        reportedNear += 1;
      }
    }
    // Each base's copies come after the base in the fixture, and at least one is reported near.
    for (const b of BASES) {
      const copies = [...answers].filter(([file]) => base(file) === b && file !== `${b}.jpg`);
      expect(copies.some(([, a]) => a.near_duplicates.some((n) => n.kind === 'near'))).toBe(true);
    }
    expect(reportedNear).toBeGreaterThan(0);
  });

  it('sweeps on demand as a job and lists near groups of true copies, page by page', async () => {
    expect((await runJob('/api/dedup/scan')).state).toBe('succeeded');
    const near = await groups(alice, 'kind=near&status=open');
    expect(near.length).toBeGreaterThanOrEqual(BASES.length);
    for (const g of near) {
      const bases = new Set(g.members.map((m) => base(fileOf.get(m.image_id) as string)));
      expect(bases.size).toBe(1);
      expect(g.members.map((m) => m.image_id)).toContain(g.suggested_keep);
      for (const m of g.members) {
        expect(m.cosine).toBeGreaterThan(0);
        expect(m.hamming).toBeLessThanOrEqual(64);
      }
      expect(g.members.find((m) => m.image_id === g.suggested_keep)!.evidence).toBeUndefined();
    }
    // Copies the hashes miss (crops, frames) are in through geometric verification, with the
    // matched regions and points a reviewer is shown.
    const verified = near.flatMap((g) => g.members).filter((m) => m.evidence?.rule === 'geometry');
    expect(verified.length).toBeGreaterThan(0);
    for (const { evidence } of verified) {
      expect(evidence).toMatchObject({ verified: true });
      expect(evidence!.inliers).toBeGreaterThanOrEqual(6);
      expect(evidence!.homography).toHaveLength(9);
      expect(evidence!.member_region!.width).toBeGreaterThan(0);
      expect(evidence!.points[0]).toHaveLength(4);
    }
    expect(await groups(bob, 'kind=near')).toEqual([]);
  });

  it('stores a resolve, tags duplicates, and a later sweep respects the decisions', async () => {
    const [group] = (await groups(alice, 'kind=near&status=open')).filter((g) => g.members.length >= 3);
    const others = group.members.map((m) => m.image_id).filter((id) => id !== group.suggested_keep);
    const [dup, notDup] = others;
    expect(
      (
        await api(bob, `/api/dedup/groups/${group.group_id}/resolve`, {
          method: 'POST',
          body: JSON.stringify({ keep: [] }),
        })
      ).status,
    ).toBe(404);
    const response = await api(alice, `/api/dedup/groups/${group.group_id}/resolve`, {
      method: 'POST',
      body: JSON.stringify({
        keep: [group.suggested_keep],
        duplicates: [dup],
        not_duplicate: [[group.suggested_keep, notDup]],
      }),
    });
    const resolved = (await response.json()) as Group;
    expect({ status: response.status, body: response.status < 300 ? 'ok' : resolved }).toEqual({
      status: 200,
      body: 'ok',
    });
    expect(resolved.status).toBe('resolved');
    const image = await json<{ payload: { tags: string[] } }>(await api(alice, `/api/images/${dup}`));
    expect(image.payload.tags).toContain('duplicate');

    expect((await runJob('/api/dedup/scan')).state).toBe('succeeded');
    for (const g of [...(await groups(alice, 'status=open')), ...(await groups(alice, 'status=resolved'))]) {
      const ids = g.members.map((m) => m.image_id);
      if (g.group_id !== group.group_id)
        expect(ids.includes(group.suggested_keep) && ids.includes(notDup)).toBe(false);
    }
    expect((await groups(alice, 'kind=near&status=resolved')).map((g) => g.group_id)).toContain(
      group.group_id,
    );
  });

  it('recomputes anomaly scores, lists them by method and status, and stores reviews', async () => {
    expect((await runJob('/api/qa/anomalies/recompute')).state).toBe('succeeded');
    const page = await json<{
      items: { image_id: string; score: number; components: Record<string, number> }[];
    }>(await api(alice, '/api/qa/anomalies?method=combined&status=open&limit=100'));
    expect(page.items).toHaveLength(fileOf.size);
    for (let i = 1; i < page.items.length; i += 1)
      expect(page.items[i - 1].score).toBeGreaterThanOrEqual(page.items[i].score);
    const quality = await json<{ items: { score: number; components: { quality: number } }[] }>(
      await api(alice, '/api/qa/anomalies?method=quality&limit=5'),
    );
    expect(quality.items.map((i) => i.score)).toEqual(quality.items.map((i) => i.components.quality));
    const target = page.items[0].image_id;
    expect(
      (
        await api(bob, `/api/qa/anomalies/${target}/review`, {
          method: 'POST',
          body: JSON.stringify({ verdict: 'ok' }),
        })
      ).status,
    ).toBe(404);
    const review = await api(alice, `/api/qa/anomalies/${target}/review`, {
      method: 'POST',
      body: JSON.stringify({ verdict: 'anomaly', note: 'not a photo' }),
    });
    expect([200, 201]).toContain(review.status);
    const reviewed = await json<{ items: { image_id: string; verdict: string }[] }>(
      await api(alice, '/api/qa/anomalies?status=reviewed'),
    );
    expect(reviewed.items).toEqual([expect.objectContaining({ image_id: target, verdict: 'anomaly' })]);
    expect((await json<{ items: unknown[] }>(await api(bob, '/api/qa/anomalies'))).items).toEqual([]);
  });

  it('records feedback with who and when, lists it by image, exports hard negatives and feeds the reviews', async () => {
    const query = idOf.get('horse.jpg') as string;
    const wrong = idOf.get('coffee.jpg') as string;
    const created = await api(alice, '/api/feedback', {
      method: 'POST',
      body: JSON.stringify({
        image_id: wrong,
        action: 'irrelevant',
        query_id: '01JQUERY000000000000000001',
        query_image_id: query,
        note: 'different subject',
      }),
    });
    expect([200, 201]).toContain(created.status);
    const entry = (await created.json()) as { user_id: string; created_at: string; query_image_id: string };
    expect(entry.user_id).toBe('alice');
    expect(Date.now() - Date.parse(entry.created_at)).toBeLessThan(60_000);
    const flagged = idOf.get('flat_gray.jpg') as string;
    const anomaly = await api(alice, '/api/feedback', {
      method: 'POST',
      body: JSON.stringify({ image_id: flagged, action: 'anomaly' }),
    });
    expect([200, 201]).toContain(anomaly.status);

    const listed = await json<{ entries: { action: string; image_id: string }[] }>(
      await api(alice, `/api/feedback?image_id=${wrong}`),
    );
    expect(listed.entries).toEqual([expect.objectContaining({ action: 'irrelevant', image_id: wrong })]);
    const lines = (await (await api(alice, '/api/feedback/hard-negatives')).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({
        query_id: '01JQUERY000000000000000001',
        query_image_id: query,
        hit_image_id: wrong,
      }),
    ]);
    const reviewed = await json<{ items: { image_id: string; verdict: string }[] }>(
      await api(alice, '/api/qa/anomalies?status=reviewed&limit=100'),
    );
    expect(reviewed.items).toContainEqual(expect.objectContaining({ image_id: flagged, verdict: 'anomaly' }));

    expect(
      (
        await api(bob, '/api/feedback', {
          method: 'POST',
          body: JSON.stringify({ image_id: wrong, action: 'relevant' }),
        })
      ).status,
    ).toBe(404);
    expect((await (await api(bob, '/api/feedback/hard-negatives')).text()).trim()).toBe('');
  });
});
