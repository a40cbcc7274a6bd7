import { ScoreBacklog } from './score-backlog';

const options = { maxImages: 100, maxLagMs: 5000, batchMax: 50 };

describe('ScoreBacklog', () => {
  it("hands a tenant's first image out at once and holds later ones while its batch is in flight", () => {
    const sut = new ScoreBacklog(options);
    expect(sut.add('a', 'i1', 0)).toBeNull();
    const [first] = sut.take(0);
    expect(first).toEqual({ owner: 'a', images: [{ imageId: 'i1', at: 0 }] });
    for (const [i, at] of [100, 200, 300].entries()) sut.add('a', `i${i + 2}`, at);
    expect(sut.take(400)).toEqual([]);
    expect(sut.size()).toEqual({ pending: 3, inFlight: 1 });
    sut.done(first);
    // Everything that arrived meanwhile is one pass.
    expect(sut.take(500)).toEqual([
      {
        owner: 'a',
        images: [
          { imageId: 'i2', at: 100 },
          { imageId: 'i3', at: 200 },
          { imageId: 'i4', at: 300 },
        ],
      },
    ]);
  });

  it('keeps tenants apart: one tenant in flight does not hold another back', () => {
    const sut = new ScoreBacklog(options);
    sut.add('a', 'a1', 0);
    sut.take(0);
    sut.add('a', 'a2', 10);
    sut.add('b', 'b1', 10);
    expect(sut.take(20)).toEqual([{ owner: 'b', images: [{ imageId: 'b1', at: 10 }] }]);
  });

  it('hands the next batch out after half the lag bound even with one still in flight', () => {
    const sut = new ScoreBacklog(options);
    sut.add('a', 'a1', 0);
    sut.take(0);
    sut.add('a', 'a2', 1000);
    expect(sut.take(3499)).toEqual([]);
    expect(sut.take(3500)).toEqual([{ owner: 'a', images: [{ imageId: 'a2', at: 1000 }] }]);
    expect(sut.size()).toEqual({ pending: 0, inFlight: 2 });
  });

  it('splits a large backlog into batches of at most batchMax', () => {
    const sut = new ScoreBacklog({ ...options, batchMax: 2 });
    for (let i = 0; i < 5; i += 1) sut.add('a', `i${i}`, i);
    expect(sut.take(10).map((b) => b.images.length)).toEqual([2, 2, 1]);
  });

  it('queues an image once: a repeat keeps its first arrival', () => {
    const sut = new ScoreBacklog(options);
    sut.add('a', 'i1', 0);
    sut.add('a', 'i1', 50);
    expect(sut.take(60)).toEqual([{ owner: 'a', images: [{ imageId: 'i1', at: 0 }] }]);
  });

  it('refuses images past maxImages waiting in the process, pending and in flight together', () => {
    const sut = new ScoreBacklog({ ...options, maxImages: 3 });
    sut.add('a', 'i1', 0);
    sut.take(0);
    sut.add('b', 'i2', 0);
    sut.add('c', 'i3', 0);
    expect(sut.add('d', 'i4', 0)).toEqual({ scope: 'process', retryAfterMs: 2500 });
  });

  it("refuses a tenant's images once its oldest unscored image is past the lag bound, and only that tenant's", () => {
    const sut = new ScoreBacklog(options);
    sut.add('a', 'i1', 0);
    const [batch] = sut.take(0);
    expect(sut.lagMs(5000, 'a')).toBe(5000);
    expect(sut.add('a', 'i2', 5001)).toEqual({ scope: 'tenant', retryAfterMs: 2500 });
    expect(sut.add('b', 'j1', 5001)).toBeNull();
    sut.done(batch);
    expect(sut.add('a', 'i2', 5002)).toBeNull();
    expect(sut.lagMs(5002)).toBe(1);
  });

  it('puts a batch that could not be handed out back, with its arrival times', () => {
    const sut = new ScoreBacklog(options);
    sut.add('a', 'i1', 0);
    const [batch] = sut.take(0);
    sut.requeue(batch);
    expect(sut.size()).toEqual({ pending: 1, inFlight: 0 });
    expect(sut.take(10)).toEqual([{ owner: 'a', images: [{ imageId: 'i1', at: 0 }] }]);
  });

  it('lists the batches in flight since before a time', () => {
    const sut = new ScoreBacklog(options);
    sut.add('a', 'i1', 0);
    sut.take(0);
    sut.add('b', 'j1', 900);
    sut.take(900);
    expect(sut.stale(500).map((b) => b.owner)).toEqual(['a']);
  });

  it("with gatherMs, holds an idle tenant's images until the first has waited that long or a batch is full", () => {
    const sut = new ScoreBacklog({ ...options, batchMax: 3, gatherMs: 1000 });
    sut.add('a', 'i1', 0);
    sut.add('a', 'i2', 400);
    expect(sut.take(999)).toEqual([]);
    expect(sut.take(1000)).toEqual([
      {
        owner: 'a',
        images: [
          { imageId: 'i1', at: 0 },
          { imageId: 'i2', at: 400 },
        ],
      },
    ]);
    sut.add('b', 'b1', 2000);
    sut.add('b', 'b2', 2001);
    expect(sut.take(2002)).toEqual([]);
    sut.add('b', 'b3', 2002);
    expect(sut.take(2002).map((b) => b.images.length)).toEqual([3]);
  });
});
