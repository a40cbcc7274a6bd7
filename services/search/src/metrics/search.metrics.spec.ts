import { searchStageHistogram, timeStage } from './search.metrics';

async function countOf(stage: string, kind: string): Promise<number> {
  const { values } = await searchStageHistogram().get();
  return (
    values.find(
      (v) =>
        v.metricName === 'lookalike_search_stage_seconds_count' &&
        v.labels.stage === stage &&
        v.labels.kind === kind,
    )?.value ?? 0
  );
}

describe('search stage metrics', () => {
  it('records a stage whether its work succeeds or fails, and passes the outcome through', async () => {
    const before = await countOf('rank', 'spec');
    await expect(timeStage('rank', 'spec', async () => 42)).resolves.toBe(42);
    await expect(
      timeStage('rank', 'spec', async () => {
        throw new Error('index down');
      }),
    ).rejects.toThrow('index down');
    expect(await countOf('rank', 'spec')).toBe(before + 2);
    expect(await countOf('urls', 'spec')).toBe(0);
  });

  it('is one histogram per process, however often it is asked for', () => {
    expect(searchStageHistogram()).toBe(searchStageHistogram());
  });
});
