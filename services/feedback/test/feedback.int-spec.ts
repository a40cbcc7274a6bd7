import { loadConfig } from '@lookalike/config';
import { feedbackEnvSchema } from '../src/feedback.config';
import { FeedbackStoreRepository } from '../src/repositories/feedback-store.repository';
import type { QualityLoopRepository } from '../src/repositories/quality-loop.repository';
import { FeedbackService } from '../src/services/feedback.service';
import {
  openQualityStores,
  postgresAnswers,
  seedImages,
  imageIdFor,
  type QualityStores,
} from '../../dedup/test/support/quality-stores';

jest.setTimeout(60_000);

describe.each([
  ['pglite', true],
  ['postgres', postgresAnswers()],
] as const)('feedback over %s', (sql, available) => {
  const run = available ? it : it.skip;
  let stores: QualityStores;
  let sut: FeedbackService;
  const loop = {
    recordDuplicatePair: jest.fn(async () => undefined),
    review: jest.fn(async () => undefined),
  };
  const alice = { ownerUserId: 'alice', userId: 'reviewer-1' };
  const query = imageIdFor(1);
  const hit = imageIdFor(2);
  const other = imageIdFor(3);

  beforeAll(async () => {
    if (!available) return;
    stores = await openQualityStores(sql, 4);
    const image = (imageId: string, n: number) => ({
      imageId,
      sha256: String(n).padEnd(64, '0'),
      phash: '0123456789abcdef',
      width: 10,
      height: 10,
      format: 'jpeg',
      qualityScore: 0.9,
      createdAt: new Date().toISOString(),
      vector: new Float32Array([1, n, 0, 0]),
    });
    await seedImages(stores, 'alice', [image(query, 1), image(hit, 2)]);
    await seedImages(stores, 'bob', [image(other, 3)]);
    sut = new FeedbackService(
      new FeedbackStoreRepository(stores.dataSource),
      loop as unknown as QualityLoopRepository,
      loadConfig(feedbackEnvSchema, {}),
    );
  });

  afterAll(async () => {
    await stores?.close();
  });

  run(
    'stores who and when, resolves the query image for later verdicts and exports hard negatives',
    async () => {
      const first = await sut.create({
        caller: alice,
        imageId: hit,
        action: 'irrelevant',
        note: 'wrong',
        queryId: 'q-1',
        queryImageId: query,
      });
      expect(first.entry).toMatchObject({ userId: 'reviewer-1', imageId: hit, queryImageId: query });
      expect(Date.now() - Date.parse(first.entry?.createdAt ?? '')).toBeLessThan(60_000);
      // A second verdict on the same search names only the query id.
      const second = await sut.create({
        caller: alice,
        imageId: query,
        action: 'relevant',
        note: '',
        queryId: 'q-1',
        queryImageId: '',
      });
      expect(second.entry?.queryImageId).toBe(query);
      const { items } = await sut.hardNegatives({ caller: alice });
      expect(items).toEqual([
        expect.objectContaining({ queryId: 'q-1', queryImageId: query, hitImageId: hit, note: 'wrong' }),
      ]);
      expect((await sut.hardNegatives({ caller: { ownerUserId: 'bob', userId: 'bob' } })).items).toEqual([]);
    },
  );

  run('lists by image, newest first, page by page', async () => {
    for (const action of ['relevant', 'irrelevant', 'relevant']) {
      await sut.create({ caller: alice, imageId: hit, action, note: action, queryId: '', queryImageId: '' });
    }
    const seen: string[] = [];
    let cursor = '';
    do {
      const page = await sut.list({ caller: alice, imageId: hit, cursor, limit: 2 });
      seen.push(...page.entries.map((e) => e.feedbackId));
      expect(page.entries.every((e) => e.imageId === hit)).toBe(true);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
  });

  run('forwards a duplicate verdict on a hit as a pair decision', async () => {
    await sut.create({
      caller: alice,
      imageId: hit,
      action: 'duplicate',
      note: '',
      queryId: 'q-1',
      queryImageId: '',
    });
    expect(loop.recordDuplicatePair).toHaveBeenCalledWith(alice, query, hit);
  });

  run("answers not_found for another tenant's image", async () => {
    await expect(
      sut.create({
        caller: alice,
        imageId: other,
        action: 'relevant',
        note: '',
        queryId: '',
        queryImageId: '',
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
