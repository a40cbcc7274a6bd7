import { Logger } from '@nestjs/common';
import { ErrorCode, LookalikeError, Subjects, type Job } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';

export const DEMO_OWNER = 'demo';

export interface SeedOutcome {
  skipped: boolean;
  created: number;
  duplicate: number;
  /** Rejections by error code (unsupported_media_type, unprocessable...). */
  rejected: Record<string, number>;
}

const finished = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Loads the sample images into the tenant `demo` when it has none, the way a user's "Load sample
 * images" does (ingest.v1.load-samples: a batch job over SAMPLES_DIR), and waits for the job. Stops
 * waiting when `signal` aborts (shutdown); the job itself is durable and finishes on a later start.
 */
export async function seedDemo(rpc: RpcClient, signal: AbortSignal, pollMs = 500): Promise<SeedOutcome> {
  const caller = { ownerUserId: DEMO_OWNER, userId: DEMO_OWNER };
  const outcome: SeedOutcome = { skipped: false, created: 0, duplicate: 0, rejected: {} };
  let jobId: string;
  try {
    ({ jobId } = await rpc.send(Subjects.IngestLoadSamples, { caller }));
  } catch (error) {
    if (error instanceof LookalikeError && error.code === ErrorCode.Conflict)
      return { ...outcome, skipped: true };
    throw error;
  }
  let job: Job = await rpc.send(Subjects.IngestGetJob, { caller, jobId });
  while (!finished.has(job.state) && !signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    job = await rpc.send(Subjects.IngestGetJob, { caller, jobId });
  }
  const result = job.resultJson ? (JSON.parse(job.resultJson) as Record<string, number>) : {};
  outcome.created = result.created_this_run ?? 0;
  outcome.duplicate = result.duplicates_this_run ?? 0;
  for (const failure of job.failures)
    outcome.rejected[failure.code] = (outcome.rejected[failure.code] ?? 0) + 1;
  if (job.state === 'failed') throw new Error(`the sample job ${jobId} failed: ${job.error}`);
  return outcome;
}

/** Runs the seed in the background and logs what it did. */
export function startDemoSeed(rpc: RpcClient, dir: string): { stop(): Promise<void> } {
  const logger = new Logger('DemoSeed');
  const abort = new AbortController();
  const running = seedDemo(rpc, abort.signal).then(
    (outcome) => {
      if (outcome.skipped) {
        logger.log(`demo seed: tenant "${DEMO_OWNER}" already has images, nothing to do`);
        return;
      }
      if (abort.signal.aborted) return;
      const rejected = Object.entries(outcome.rejected)
        .map(([code, n]) => `${code} ${n}`)
        .join(', ');
      logger.log(
        `demo seed: created ${outcome.created}, duplicate ${outcome.duplicate}, rejected ${rejected || '0'} (from ${dir})`,
      );
    },
    (error: unknown) => {
      if (!abort.signal.aborted)
        logger.warn(`demo seed failed: ${error instanceof Error ? error.message : String(error)}`);
    },
  );
  return {
    stop: async () => {
      abort.abort();
      await running;
    },
  };
}
