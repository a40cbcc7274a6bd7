import type { FeedbackEntity } from '@lookalike/persistence';
import type { FeedbackConfig } from '../feedback.config';
import type { FeedbackStoreRepository } from '../repositories/feedback-store.repository';
import type { QualityLoopRepository } from '../repositories/quality-loop.repository';
import { FeedbackService } from './feedback.service';

const IMG = '01JAAAAAAAAAAAAAAAAAAAAAAA';
const QUERY_IMG = '01JBBBBBBBBBBBBBBBBBBBBBBB';
const caller = { ownerUserId: 'alice', userId: 'reviewer' };

function entity(over: Partial<FeedbackEntity> = {}): FeedbackEntity {
  return {
    feedbackId: '01JFFFFFFFFFFFFFFFFFFFFFFF',
    ownerUserId: 'alice',
    userId: 'reviewer',
    imageId: IMG,
    action: 'irrelevant',
    note: null,
    queryId: null,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    ...over,
  };
}

describe('FeedbackService', () => {
  let store: jest.Mocked<FeedbackStoreRepository>;
  let loop: jest.Mocked<QualityLoopRepository>;
  let sut: FeedbackService;

  beforeEach(() => {
    store = {
      imageExists: jest.fn(async () => true),
      record: jest.fn(async (input) => entity({ ...input, note: input.note, queryId: input.queryId })),
      list: jest.fn(),
      rememberQuery: jest.fn(async () => undefined),
      queryImages: jest.fn(async () => new Map()),
      hardNegatives: jest.fn(),
    } as unknown as jest.Mocked<FeedbackStoreRepository>;
    loop = {
      recordDuplicatePair: jest.fn(async () => undefined),
      review: jest.fn(async () => undefined),
    } as unknown as jest.Mocked<QualityLoopRepository>;
    sut = new FeedbackService(store, loop, { FEEDBACK_HARD_NEGATIVES_MAX: 10 } as FeedbackConfig);
  });

  it('stores who from the caller and remembers the query image of a named search', async () => {
    const { entry } = await sut.create({
      caller,
      imageId: IMG,
      action: 'irrelevant',
      note: '',
      queryId: 'q1',
      queryImageId: QUERY_IMG,
    });
    expect(store.record).toHaveBeenCalledWith(
      expect.objectContaining({ ownerUserId: 'alice', userId: 'reviewer', imageId: IMG }),
    );
    expect(store.rememberQuery).toHaveBeenCalledWith('alice', 'q1', QUERY_IMG);
    expect(entry).toMatchObject({ userId: 'reviewer', queryId: 'q1', queryImageId: QUERY_IMG });
    expect(loop.review).not.toHaveBeenCalled();
  });

  it('turns a duplicate verdict on a search hit into a dedup decision on the pair', async () => {
    await sut.create({
      caller,
      imageId: IMG,
      action: 'duplicate',
      note: '',
      queryId: 'q1',
      queryImageId: QUERY_IMG,
    });
    expect(loop.recordDuplicatePair).toHaveBeenCalledWith(caller, QUERY_IMG, IMG);
    expect(loop.review).not.toHaveBeenCalled();
  });

  it('turns an anomaly verdict, or a duplicate without a pair, into an anomaly review', async () => {
    await sut.create({
      caller,
      imageId: IMG,
      action: 'anomaly',
      note: 'scan',
      queryId: '',
      queryImageId: '',
    });
    await sut.create({ caller, imageId: IMG, action: 'duplicate', note: '', queryId: '', queryImageId: '' });
    expect(loop.review).toHaveBeenNthCalledWith(1, caller, IMG, 'anomaly', 'scan');
    expect(loop.review).toHaveBeenNthCalledWith(
      2,
      caller,
      IMG,
      'duplicate',
      expect.stringMatching(/^feedback /),
    );
  });

  it('keeps the feedback when forwarding fails', async () => {
    loop.review.mockRejectedValueOnce(new Error('anomaly service down'));
    const { entry } = await sut.create({
      caller,
      imageId: IMG,
      action: 'anomaly',
      note: '',
      queryId: '',
      queryImageId: '',
    });
    expect(entry?.action).toBe('anomaly');
  });

  it('answers not_found for an image the tenant does not hold', async () => {
    store.imageExists.mockResolvedValueOnce(false);
    await expect(
      sut.create({ caller, imageId: IMG, action: 'relevant', note: '', queryId: '', queryImageId: '' }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(store.record).not.toHaveBeenCalled();
  });

  it('rejects an unknown action, a malformed query id and a query image without a query', async () => {
    const base = { caller, imageId: IMG, note: '', queryId: '', queryImageId: '' };
    await expect(sut.create({ ...base, action: 'spam' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(sut.create({ ...base, action: 'relevant', queryId: 'a b' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(sut.create({ ...base, action: 'relevant', queryImageId: QUERY_IMG })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('exports hard negatives with ISO times', async () => {
    store.hardNegatives.mockResolvedValueOnce([
      {
        queryId: 'q1',
        queryImageId: QUERY_IMG,
        hitImageId: IMG,
        note: 'n',
        createdAt: new Date('2026-01-02T03:04:05Z'),
      },
    ]);
    const { items } = await sut.hardNegatives({ caller });
    expect(store.hardNegatives).toHaveBeenCalledWith('alice', 10);
    expect(items).toEqual([
      {
        queryId: 'q1',
        queryImageId: QUERY_IMG,
        hitImageId: IMG,
        note: 'n',
        createdAt: '2026-01-02T03:04:05.000Z',
      },
    ]);
  });
});
