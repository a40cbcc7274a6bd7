import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, JobRepository, type JobEntity } from '@lookalike/persistence';
import { returningRows } from './sql-rows';

export const SCAN_JOB = 'dedup-scan';
export const DELETE_JOB = 'dedup-delete';

export interface DeletePayload {
  imageIds: string[];
  groupId: string;
  userId: string;
  /** ISO-8601: the end of the undo window. */
  notBefore: string;
}

/**
 * Durable jobs in SQL (the `jobs` table GET /api/jobs/{id} reads): a worker claims under a
 * lease, so a crashed sweep is picked up again and two processes never run the same job.
 */
@Injectable()
export class JobQueueRepository {
  readonly jobs: JobRepository;

  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {
    this.jobs = new JobRepository(dataSource);
  }

  async enqueueScan(owner: string, idempotencyKey?: string): Promise<JobEntity> {
    return (await this.jobs.create({ ownerUserId: owner, kind: SCAN_JOB, idempotencyKey, maxAttempts: 3 }))
      .job;
  }

  async enqueueDelete(owner: string, payload: DeletePayload): Promise<JobEntity> {
    const { job } = await this.jobs.create({
      ownerUserId: owner,
      kind: DELETE_JOB,
      payload: payload as unknown as Record<string, unknown>,
      total: payload.imageIds.length,
      maxAttempts: 5,
    });
    return job;
  }

  claimScan(workerId: string, leaseSeconds: number): Promise<JobEntity | null> {
    return this.jobs.claim({ workerId, kinds: [SCAN_JOB], leaseSeconds });
  }

  /**
   * Claims one deletion whose undo window has ended. Deletions wait in `queued` until then, so
   * they are claimed by id here rather than by the oldest-first claim.
   */
  async claimDueDelete(workerId: string, leaseSeconds: number): Promise<JobEntity | null> {
    const rows = await returningRows<{ job_id: string; owner_user_id: string }>(
      this.dataSource,
      `UPDATE jobs SET state = 'running', lease_owner = $1,
              lease_expires_at = now() + make_interval(secs => $2::double precision),
              attempts = attempts + 1, started_at = coalesce(started_at, now()), updated_at = now()
        WHERE job_id = (
          SELECT job_id FROM jobs
           WHERE kind = '${DELETE_JOB}' AND attempts < max_attempts
             AND (state = 'queued' OR (state = 'running' AND lease_expires_at < now()))
             AND (payload->>'notBefore')::timestamptz <= now()
           ORDER BY created_at, job_id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING job_id, owner_user_id`,
      [workerId, leaseSeconds],
    );
    const row = rows[0];
    return row ? this.jobs.get(row.owner_user_id, row.job_id) : null;
  }

  /** Pending deletions of a group (to undo them). */
  async pendingDeletes(owner: string, groupId: string): Promise<JobEntity[]> {
    const rows = (await this.dataSource.query(
      `SELECT job_id FROM jobs WHERE owner_user_id = $1 AND kind = '${DELETE_JOB}' AND state = 'queued'
          AND payload->>'groupId' = $2`,
      [owner, groupId],
    )) as { job_id: string }[];
    const jobs = await Promise.all(rows.map((r) => this.jobs.get(owner, r.job_id)));
    return jobs.filter((j): j is JobEntity => j !== null);
  }
}
