import { ErrorCode } from '@lookalike/contracts';
import { IngestLimiter } from './ingest-limiter';

describe('IngestLimiter', () => {
  it('runs at most `concurrency` at once and answers busy past the queue limit', async () => {
    const sut = new IngestLimiter(2, 1);
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const work = () =>
      sut.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running -= 1;
      });
    const first = [work(), work(), work()];
    await expect(work()).rejects.toMatchObject({ code: ErrorCode.Busy, retryAfterSeconds: 2 });
    expect(sut.depth).toBe(1);
    while (gates.length > 0 || running > 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(first);
    expect(peak).toBe(2);
  });
});
