import type { JobRecord } from '@lookalike/messaging';
import type { Job } from '@lookalike/contracts';
import type { JobEntity } from '@lookalike/persistence';

export const JobKinds = {
  IngestBatch: 'ingest-batch',
  Reindex: 'reindex',
  Reconcile: 'reconcile',
  VideoExtract: 'video-extract',
} as const;

/** Jobs the system runs for nobody in particular (reconciliation) are owned by this id. */
export const SYSTEM_OWNER = '_system';

export function toJobMessage(job: JobEntity | JobRecord): Job {
  const entity = job as JobEntity;
  return {
    jobId: job.jobId,
    kind: job.kind,
    state: job.state,
    done: job.done,
    total: job.total,
    failures: (entity.failures ?? []).map((f) => ({ item: f.item, code: f.code, reason: f.reason })),
    error: entity.error ?? '',
    createdAt: entity.createdAt?.toISOString() ?? '',
    updatedAt: entity.updatedAt?.toISOString() ?? '',
    resultJson: entity.result ? JSON.stringify(entity.result) : '',
    startedAt: entity.startedAt?.toISOString() ?? '',
    finishedAt: entity.finishedAt?.toISOString() ?? '',
  };
}
