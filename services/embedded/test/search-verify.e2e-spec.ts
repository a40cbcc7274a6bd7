import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BusSubscription } from '@lookalike/messaging';
import { NEAR_COPIES_DIR } from '../../dedup/test/support/near-copies-fixture';
import { FIXTURE_STACK_ENV, serveFixtureEmbedding, uploadImage } from './support/fixture-embedding';
import { devLogin, startTestStack, type StackMode, type TestStack } from './support/test-stack';

/**
 * Verified re-ranking through the gateway, in both run modes, on real images: an original of
 * dev-nearcopies, five transformed copies (ingest stores their local features) and unrelated
 * originals, embedded with the committed MobileNetV2 vectors (serveFixtureEmbedding).
 */
const modes: StackMode[] = (process.env.SEARCH_VERIFY_E2E_MODES?.split(',') as StackMode[] | undefined) ?? [
  'embedded',
  'distributed',
];
const ORIGINAL = 'coffee.jpg';
const COPIES = ['crop80', 'border', 'rot90', 'hflip', 'blur'].map((t) => `coffee__${t}.jpg`);
const UNRELATED = ['astronaut.jpg', 'horse.jpg', 'camera.jpg', 'chelsea.jpg', 'rocket.jpg'];

jest.setTimeout(180_000);

interface Hit {
  image_id: string;
  score: number;
  verified: boolean;
  evidence?: { inliers: number; coverage: number; mirrored: boolean };
}

describe.each(modes)('similar search with verified re-ranking (%s)', (mode) => {
  let stack: TestStack;
  let embedding: BusSubscription;
  let alice: string;
  const fileOf = new Map<string, string>();
  const idOf = new Map<string, string>();

  beforeAll(async () => {
    // Default verification at small limits is off unless configured; this stack turns it on to test it.
    stack = await startTestStack(mode, {
      env: { ...FIXTURE_STACK_ENV, SEARCH_VERIFY_DEFAULT_MAX_LIMIT: '20' },
    });
    embedding = await serveFixtureEmbedding(stack.bus, stack.dataDir);
    alice = await devLogin(stack.url, 'alice');
    for (const file of [ORIGINAL, ...COPIES, ...UNRELATED]) {
      const response = await uploadImage(stack.url, alice, await image(file), file);
      expect(response.status).toBe(201);
      const { image_id } = (await response.json()) as { image_id: string };
      fileOf.set(image_id, file);
      idOf.set(file, image_id);
    }
  }, 300_000);

  afterAll(async () => {
    await embedding?.unsubscribe();
    await stack?.close();
  });

  const image = (file: string) => readFile(join(NEAR_COPIES_DIR, 'images', file));

  async function similar(body: Record<string, unknown>): Promise<Hit[]> {
    const response = await fetch(`${stack.url}/api/search/similar`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`expected 200, got ${response.status}: ${text}`);
    return (JSON.parse(text) as { hits: Hit[] }).hits;
  }

  const files = (hits: Hit[]) => hits.map((h) => fileOf.get(h.image_id));

  it('puts the verified copies of a stored image first, and flags unrelated images unverified', async () => {
    const hits = await similar({ image_id: idOf.get(ORIGINAL), limit: 10, verify: true });
    expect(hits).toHaveLength(COPIES.length + UNRELATED.length);
    expect(files(hits.slice(0, COPIES.length)).sort()).toEqual([...COPIES].sort());
    for (const hit of hits.slice(0, COPIES.length)) {
      expect({ file: fileOf.get(hit.image_id), verified: hit.verified }).toEqual({
        file: fileOf.get(hit.image_id),
        verified: true,
      });
      expect(hit.evidence!.inliers).toBeGreaterThan(0);
      expect(hit.evidence!.coverage).toBeGreaterThan(0);
    }
    expect(hits.find((h) => fileOf.get(h.image_id) === 'coffee__hflip.jpg')!.evidence!.mirrored).toBe(true);
    const rest = hits.slice(COPIES.length);
    expect(files(rest).sort()).toEqual([...UNRELATED].sort());
    expect(rest.every((h) => !h.verified && h.evidence === undefined)).toBe(true);
    // The unverified rest keeps score order.
    expect(rest.map((h) => h.score)).toEqual([...rest.map((h) => h.score)].sort((a, b) => b - a));
  });

  it('verifies by default at a small limit, and not when verify is false', async () => {
    const byDefault = await similar({ image_id: idOf.get(ORIGINAL), limit: 5 });
    expect(files(byDefault).sort()).toEqual([...COPIES].sort());
    expect(byDefault.every((h) => h.verified)).toBe(true);
    const plain = await similar({ image_id: idOf.get(ORIGINAL), limit: 10, verify: false });
    expect(plain.every((h) => !h.verified && h.evidence === undefined)).toBe(true);
    expect(plain.map((h) => h.score)).toEqual([...plain.map((h) => h.score)].sort((a, b) => b - a));
  });

  it('verifies an uploaded query image against the stored ones', async () => {
    const form = new FormData();
    form.append('file', new Blob([await image(ORIGINAL)]), ORIGINAL);
    form.append('limit', '10');
    form.append('verify', 'true');
    const response = await fetch(`${stack.url}/api/search/similar`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}` },
      body: form,
    });
    expect(response.status).toBe(200);
    const { hits } = (await response.json()) as { hits: Hit[] };
    // The stored original is a hit too (a file query has no own point to leave out).
    const copies = [ORIGINAL, ...COPIES];
    expect(files(hits.slice(0, copies.length)).sort()).toEqual([...copies].sort());
    expect(hits.slice(0, copies.length).every((h) => h.verified)).toBe(true);
    expect(hits.slice(copies.length).every((h) => !h.verified)).toBe(true);
  });

  it('refuses verify with a text query', async () => {
    const response = await fetch(`${stack.url}/api/search/similar`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text_query: 'a cup of coffee', verify: true }),
    });
    expect(response.status).toBe(400);
  });
});
