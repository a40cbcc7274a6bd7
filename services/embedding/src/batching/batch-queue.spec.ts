import { ErrorCode, LookalikeError } from '@lookalike/contracts';

import { BatchQueue, type BatchQueueOptions } from './batch-queue';

const options: BatchQueueOptions = { name: 'image', maxBatchSize: 4, maxWaitMs: 5, maxQueued: 10 };

/** A model stand-in that records each batch and answers when the test says so. */
function gatedModel() {
  const batches: number[][] = [];
  const gates: Array<() => void> = [];
  const run = async (items: number[]): Promise<string[]> => {
    batches.push(items);
    await new Promise<void>((release) => gates.push(release));
    return items.map((i) => `out-${i}`);
  };
  const openAll = async (): Promise<void> => {
    for (let round = 0; round < 20; round++) {
      gates.splice(0).forEach((release) => release());
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  return { batches, run, openAll };
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof LookalikeError ? error.code : 'untyped';
  }
};

describe('BatchQueue', () => {
  it('coalesces concurrent requests into one batch and keeps each answer with its request', async () => {
    const model = gatedModel();
    const sut = new BatchQueue(model.run, options);
    const answers = Promise.all([sut.run([1]), sut.run([2, 3]), sut.run([4])]);
    await model.openAll();
    expect(await answers).toEqual([['out-1'], ['out-2', 'out-3'], ['out-4']]);
    expect(model.batches).toEqual([[1, 2, 3, 4]]);
  });

  it('runs a partial batch once the first item has waited maxWaitMs', async () => {
    const sizes: number[] = [];
    const sut = new BatchQueue(async (items: number[]) => items, options, {
      onBatch: (size) => sizes.push(size),
    });
    const started = Date.now();
    expect(await sut.run([7])).toEqual([7]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4);
    expect(sizes).toEqual([1]);
  });

  it('splits a large request into batches of at most maxBatchSize', async () => {
    const model = gatedModel();
    const sut = new BatchQueue(model.run, options);
    const answer = sut.run([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await model.openAll();
    expect(await answer).toHaveLength(9);
    expect(model.batches).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]]);
  });

  it('answers busy with a Retry-After when admitting would overflow the bound, and recovers', async () => {
    const model = gatedModel();
    const rejects: string[] = [];
    const sut = new BatchQueue(model.run, options, { onReject: (r) => rejects.push(r) });
    const first = sut.run([1, 2, 3, 4]); // dispatched at once: running, not queued
    const queued = sut.run([5, 6, 7, 8, 9, 10, 11, 12, 13]); // 9 waiting
    expect(sut.depth).toBe(9);
    let busy: unknown;
    try {
      sut.admit(2);
    } catch (error) {
      busy = error;
    }
    expect(busy).toBeInstanceOf(LookalikeError);
    expect(busy).toMatchObject({ code: ErrorCode.Busy, details: { queue: 'image', depth: 9, max: 10 } });
    expect((busy as LookalikeError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(rejects).toEqual(['busy']);
    await model.openAll();
    await Promise.all([first, queued]);
    expect(sut.depth).toBe(0);
    expect(await Promise.all([sut.run([14, 15]), model.openAll()])).toEqual([
      ['out-14', 'out-15'],
      undefined,
    ]);
  });

  it('refuses a single request larger than the whole queue as invalid', () => {
    const sut = new BatchQueue(async (items: number[]) => items, options);
    expect(codeOf(() => sut.admit(11))).toBe(ErrorCode.InvalidArgument);
  });

  it('counts reserved slots in the depth and gives them back on release', () => {
    const depths: number[] = [];
    const sut = new BatchQueue(async (items: number[]) => items, options, { onDepth: (d) => depths.push(d) });
    const ticket = sut.admit(6);
    expect(sut.depth).toBe(6);
    expect(codeOf(() => sut.admit(5))).toBe(ErrorCode.Busy);
    ticket.release();
    expect(sut.depth).toBe(0);
    expect(depths).toEqual([6, 0]);
  });

  it('drops the queued items of an expired request so the model never sees them', async () => {
    const model = gatedModel();
    const sut = new BatchQueue(model.run, options);
    const running = sut.run([1, 2, 3, 4]);
    const ticket = sut.admit(2);
    const abandoned = ticket.submit([5, 6]);
    const timeout = new LookalikeError(ErrorCode.Timeout, 'too slow');
    ticket.expire(timeout);
    await expect(abandoned).rejects.toBe(timeout);
    expect(sut.depth).toBe(0);
    await model.openAll();
    await running;
    expect(model.batches).toEqual([[1, 2, 3, 4]]);
    await expect(ticket.submit([7])).rejects.toBe(timeout);
  });

  it('fails every item of a batch whose model call throws, and keeps serving', async () => {
    let calls = 0;
    const sut = new BatchQueue(async (items: number[]) => {
      calls += 1;
      if (calls === 1) throw new Error('model crashed');
      return items;
    }, options);
    await expect(sut.run([1, 2])).rejects.toThrow('model crashed');
    expect(await sut.run([3])).toEqual([3]);
  });

  it('treats a model that returns the wrong number of outputs as an internal error', async () => {
    const sut = new BatchQueue(async (items: number[]) => items.slice(1), options);
    await expect(sut.run([1, 2])).rejects.toMatchObject({ code: ErrorCode.Internal });
  });

  it('fails waiting items and refuses new ones once closed', async () => {
    const model = gatedModel();
    const sut = new BatchQueue(model.run, options);
    const running = sut.run([1, 2, 3, 4]);
    const waiting = sut.run([5]);
    sut.close();
    await expect(waiting).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    expect(codeOf(() => sut.admit(1))).toBe(ErrorCode.Unavailable);
    await model.openAll();
    expect(await running).toHaveLength(4);
  });
});
