import { Histogram } from 'prom-client';
import { metricsRegistry } from '@lookalike/observability';

/** The parts of a similar-search request: finding the query vector, ranking, verifying, signing URLs. */
export type SearchStage = 'resolve' | 'rank' | 'verify' | 'urls';

const NAME = 'lookalike_search_stage_seconds';

/**
 * Time per stage of `search.v1.similar`, by query kind: where a request's time goes without a
 * profiler (the load benchmark prints the means). One histogram per process: in the embedded run
 * mode every module shares the registry.
 */
export function searchStageHistogram(): Histogram<'stage' | 'kind'> {
  return (
    (metricsRegistry.getSingleMetric(NAME) as Histogram<'stage' | 'kind'> | undefined) ??
    new Histogram({
      name: NAME,
      help: 'Duration of each stage of a similar search (resolve: the query vector; rank: the index; verify: geometric verification; urls: signing)',
      labelNames: ['stage', 'kind'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [metricsRegistry],
    })
  );
}

/** Runs `work` and records its duration under `stage`, whether it succeeds or fails. */
export async function timeStage<T>(stage: SearchStage, kind: string, work: () => Promise<T>): Promise<T> {
  const end = searchStageHistogram().startTimer({ stage, kind });
  try {
    return await work();
  } finally {
    end();
  }
}
