import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BusSubscription } from '@lookalike/messaging';
import { loadNearCopies, NEAR_COPIES_DIR } from '../../dedup/test/support/near-copies-fixture';
import { FIXTURE_STACK_ENV, serveFixtureEmbedding, uploadImage } from './support/fixture-embedding';
import { devLogin, startTestStack, type StackMode, type TestStack } from './support/test-stack';

/**
 * Thresholds that learn through the gateway, in both run modes (docs/quality-loop.md): near copies
 * of four originals uploaded (the fixture's MobileNet vectors), groups resolved by a simulated
 * reviewer policy (re-encodes are duplicates, edits are works of their own), the suggestions read,
 * applied by an admin (403 for anyone else), seen in force by GET and by a sweep, undone, and 409
 * on the undo with nothing left.
 */
const modes: StackMode[] = (process.env.QUALITY_E2E_MODES?.split(',') as StackMode[] | undefined) ?? [
  'embedded',
  'distributed',
];
const BASES = ['astronaut', 'coffee', 'horse', 'chelsea'];
const EDITS = new Set(['crop80', 'rot90', 'hflip', 'border', 'watermark', 'tiny']);

jest.setTimeout(180_000);

interface Group {
  group_id: string;
  members: { image_id: string }[];
}

interface Signal {
  signal: string;
  setting: string;
  current: number;
  source: string;
  duplicates: number;
  not_duplicates: number;
  at_current: { threshold: number; mcc: number; tp: number; fp: number; fn: number; tn: number };
  suggested?: { threshold: number; mcc: number; precision: number; recall: number };
  reason?: string;
}

interface Thresholds {
  can_apply: boolean;
  dedup: {
    model: string;
    decisions: number;
    with_signals: number;
    min_each: number;
    signals: Signal[];
    applied?: { version: number; settings: Record<string, number> };
    history: { version: number; applied_by: string; undone_by?: string }[];
  };
  anomaly: {
    source: string;
    current: { weights: Record<string, number> };
    reason?: string;
    history: unknown[];
  };
}

describe.each(modes)('thresholds that learn through the gateway (%s)', (mode) => {
  let stack: TestStack;
  let embedding: BusSubscription;
  let alice: string;
  let bob: string;
  const fixtureOf = new Map<string, { base: string; transform: string }>();

  beforeAll(async () => {
    stack = await startTestStack(mode, { env: { ...FIXTURE_STACK_ENV, AUTH_ADMIN_USERS: 'alice' } });
    embedding = await serveFixtureEmbedding(stack.bus, stack.dataDir);
    alice = await devLogin(stack.url, 'alice');
    bob = await devLogin(stack.url, 'bob');
    for (const im of loadNearCopies().images.filter((i) => BASES.includes(i.base))) {
      const bytes = await readFile(join(NEAR_COPIES_DIR, 'images', im.file));
      const response = await uploadImage(stack.url, alice, bytes, im.file);
      expect(response.status).toBe(201);
      const { image_id } = (await response.json()) as { image_id: string };
      fixtureOf.set(image_id, { base: im.base, transform: im.transform });
    }
  }, 300_000);

  afterAll(async () => {
    await embedding?.unsubscribe();
    await stack?.close();
  });

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

  const post = (token: string, path: string, body: unknown) =>
    api(token, path, { method: 'POST', body: JSON.stringify(body) });

  async function scan(): Promise<{
    state: string;
    result: { settingsVersion: number | null; thresholds: Record<string, number> };
  }> {
    const { job_id } = await json<{ job_id: string }>(
      await api(alice, '/api/dedup/scan', { method: 'POST' }),
      202,
    );
    for (let i = 0; i < 300; i += 1) {
      const job = await json<{ state: string; result: never }>(await api(alice, `/api/jobs/${job_id}`));
      if (job.state === 'succeeded' || job.state === 'failed') return job;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`job ${job_id} did not finish`);
  }

  it('learns from resolved groups and feedback, applies as an admin, and undoes', async () => {
    expect((await scan()).state).toBe('succeeded');
    const groups: Group[] = [];
    for (const kind of ['exact', 'near', 'similar']) {
      const page = await json<{ groups: Group[] }>(
        await api(alice, `/api/dedup/groups?kind=${kind}&limit=200`),
      );
      groups.push(...page.groups);
    }
    const decided = new Set<string>();
    for (const g of groups) {
      const original = g.members.find((m) => fixtureOf.get(m.image_id)?.transform === 'none');
      if (!original) continue;
      const base = fixtureOf.get(original.image_id)!.base;
      const others = g.members.filter(
        (m) => m.image_id !== original.image_id && fixtureOf.get(m.image_id)!.base === base,
      );
      const edit = (m: { image_id: string }) => EDITS.has(fixtureOf.get(m.image_id)!.transform);
      await json(
        await post(alice, `/api/dedup/groups/${g.group_id}/resolve`, {
          keep: [original.image_id],
          duplicates: others.filter((m) => !edit(m)).map((m) => m.image_id),
          not_duplicate: others.filter(edit).map((m) => [original.image_id, m.image_id]),
        }),
      );
      for (const m of others) decided.add([original.image_id, m.image_id].sort().join(':'));
    }
    // A duplicate from a search hit's feedback is a decision too.
    const [astronaut, blur] = ['none', 'blur'].map(
      (t) => [...fixtureOf].find(([, f]) => f.base === 'astronaut' && f.transform === t)![0],
    );
    await json(
      await post(alice, '/api/feedback', {
        image_id: blur,
        action: 'duplicate',
        query_id: '01JQUERY000000000000000001',
        query_image_id: astronaut,
      }),
      201,
    );
    decided.add([astronaut, blur].sort().join(':'));

    const before = await json<Thresholds>(await api(alice, '/api/quality/thresholds'));
    expect(before.can_apply).toBe(true);
    expect(before.dedup).toMatchObject({
      model: 'mobilenet',
      decisions: decided.size,
      with_signals: decided.size,
    });
    expect(before.dedup.min_each).toBe(10);
    const phash = before.dedup.signals.find((s) => s.signal === 'phash')!;
    expect(phash).toMatchObject({ setting: 'phashMax', current: 6, source: 'default' });
    expect(phash.duplicates).toBeGreaterThanOrEqual(10);
    expect(phash.not_duplicates).toBeGreaterThanOrEqual(10);
    const moving = before.dedup.signals.filter((s) => s.suggested && s.suggested.threshold !== s.current);
    expect(moving.length).toBeGreaterThan(0);
    const chosen = moving[0];
    expect(chosen.suggested!.mcc).toBeGreaterThan(chosen.at_current.mcc);
    expect(before.anomaly).toMatchObject({ source: 'default', reason: 'not_enough_decisions', history: [] });
    expect(before.dedup.history).toEqual([]);

    // Another tenant sees none of it, and nobody but an admin applies.
    const bobs = await json<Thresholds>(await api(bob, '/api/quality/thresholds'));
    expect(bobs).toMatchObject({ can_apply: false, dedup: { decisions: 0 } });
    const forbidden = await post(bob, '/api/quality/thresholds/apply', { scope: 'dedup' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
    expect(((await forbidden.json()) as { type: string }).type).toMatch(/permission_denied$/);
    expect((await post(bob, '/api/quality/thresholds/undo', { scope: 'dedup' })).status).toBe(403);

    expect(
      (await post(alice, '/api/quality/thresholds/apply', { scope: 'dedup', values: { phashMax: 99 } }))
        .status,
    ).toBe(400);
    expect((await post(alice, '/api/quality/thresholds/apply', { scope: 'everything' })).status).toBe(400);
    const noReviews = await post(alice, '/api/quality/thresholds/apply', { scope: 'anomaly' });
    expect(noReviews.status).toBe(422);
    expect(await noReviews.json()).toMatchObject({ errors: { reason: 'not_enough_decisions' } });

    const applied = await json<{
      version: { version: number; settings: Record<string, number>; applied_by: string };
    }>(await post(alice, '/api/quality/thresholds/apply', { scope: 'dedup', signals: [chosen.signal] }));
    expect(applied.version).toMatchObject({
      version: 1,
      applied_by: 'alice',
      settings: { [chosen.setting]: chosen.suggested!.threshold },
    });
    const after = await json<Thresholds>(await api(alice, '/api/quality/thresholds'));
    expect(after.dedup.signals.find((s) => s.signal === chosen.signal)).toMatchObject({
      current: chosen.suggested!.threshold,
      source: 'applied',
    });
    expect(after.dedup.applied).toMatchObject({ version: 1 });
    const swept = await scan();
    expect(swept.result).toMatchObject({
      settingsVersion: 1,
      thresholds: { [chosen.setting]: chosen.suggested!.threshold },
    });

    const undone = await json<{ undone: { version: number; undone_by: string }; current?: unknown }>(
      await post(alice, '/api/quality/thresholds/undo', { scope: 'dedup' }),
    );
    expect(undone.undone).toMatchObject({ version: 1, undone_by: 'alice' });
    expect(undone.current).toBeUndefined();
    const reverted = await json<Thresholds>(await api(alice, '/api/quality/thresholds'));
    expect(reverted.dedup.signals.find((s) => s.signal === chosen.signal)).toMatchObject({
      current: chosen.current,
      source: chosen.source,
    });
    expect(reverted.dedup.applied).toBeUndefined();
    expect(reverted.dedup.history).toMatchObject([{ version: 1, applied_by: 'alice', undone_by: 'alice' }]);
    expect((await scan()).result).toMatchObject({
      settingsVersion: null,
      thresholds: { [chosen.setting]: chosen.current },
    });
    const again = await post(alice, '/api/quality/thresholds/undo', { scope: 'dedup' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { type: string }).type).toMatch(/conflict$/);

    // The hard-negative export is unchanged.
    const negatives = await api(alice, '/api/feedback/hard-negatives');
    expect(negatives.status).toBe(200);
    expect(negatives.headers.get('content-type')).toContain('application/x-ndjson');
  });
});
