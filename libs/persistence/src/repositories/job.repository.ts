import { ErrorCode, LookalikeError, newUlid } from '@lookalike/contracts';
import type { DataSource, Repository } from 'typeorm';
import { JobEntity, type JobFailure, type JobState } from '../entities';
import { sqlRows } from './sql-rows';
import { requireIds } from './required-ids';
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from './page-cursor';

export interface NewJob {
  ownerUserId: string;
  kind: string;
  payload?: Record<string, unknown>;
  total?: number;
  maxAttempts?: number;
  /** A second create with the same owner, kind and key returns the first job. */
  idempotencyKey?: string;
  /** Claimable only from this time on (a delayed job); at once when omitted. */
  runAfter?: Date;
}

export interface ClaimRequest {
  /** Who holds the lease (a host/process id); progress and completion must name it. */
  workerId: string;
  /** Claim only these kinds; all when omitted. */
  kinds?: string[];
  leaseSeconds: number;
}

export interface JobProgress {
  done?: number;
  total?: number;
  /** Appended to the job's failures. */
  failures?: JobFailure[];
  /** Extends the lease by this much from now. */
  leaseSeconds?: number;
}

/**
 * Durable job state. A worker claims a queued job (or one whose lease ran out) under a lease,
 * reports progress while it holds the lease, and completes or fails it. Every change after the
 * claim names the worker, so a worker that lost its lease (expired, or the job was cancelled)
 * gets a conflict and stops.
 */
export class JobRepository {
  private readonly repo: Repository<JobEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(JobEntity);
  }

  async create(input: NewJob): Promise<{ job: JobEntity; created: boolean }> {
    const jobId = newUlid();
    const inserted = await sqlRows(
      this.dataSource,
      `INSERT INTO jobs (job_id, owner_user_id, kind, state, payload, total, max_attempts, idempotency_key,
                         run_after)
       VALUES ($1, $2, $3, 'queued', $4::jsonb, $5, $6, $7, $8)
       ON CONFLICT (owner_user_id, kind, idempotency_key) DO NOTHING
       RETURNING job_id`,
      [
        jobId,
        input.ownerUserId,
        input.kind,
        JSON.stringify(input.payload ?? {}),
        input.total ?? 0,
        input.maxAttempts ?? 3,
        input.idempotencyKey ?? null,
        input.runAfter?.toISOString() ?? null,
      ],
    );
    if (inserted.length > 0) return { job: await this.mustGet(input.ownerUserId, jobId), created: true };
    const existing = input.idempotencyKey
      ? await this.repo.findOneBy({
          ownerUserId: input.ownerUserId,
          kind: input.kind,
          idempotencyKey: input.idempotencyKey,
        })
      : null;
    if (!existing) throw new LookalikeError(ErrorCode.Conflict, 'job could not be created; retry');
    return { job: existing, created: false };
  }

  async get(ownerUserId: string, jobId: string): Promise<JobEntity | null> {
    requireIds({ ownerUserId, jobId });
    return this.repo.findOneBy({ ownerUserId, jobId });
  }

  async list(
    ownerUserId: string,
    query: PageRequest & { state?: JobState; kind?: string } = {},
  ): Promise<Page<JobEntity>> {
    const limit = pageSize(query.limit);
    const qb = this.repo
      .createQueryBuilder('j')
      .where('j.owner_user_id = :ownerUserId', { ownerUserId })
      .orderBy('j.created_at', 'DESC')
      .addOrderBy('j.job_id', 'DESC')
      .limit(limit + 1);
    if (query.cursor) qb.andWhere('(j.created_at, j.job_id) < (:createdAt, :id)', decodeCursor(query.cursor));
    if (query.state) qb.andWhere('j.state = :state', { state: query.state });
    if (query.kind) qb.andWhere('j.kind = :kind', { kind: query.kind });
    return toPage(await qb.getMany(), limit, (row) => ({ createdAt: row.createdAt, id: row.jobId }));
  }

  /**
   * Takes the oldest claimable job (not waiting for its run_after) under a lease, or returns null.
   * Jobs whose lease expired with no attempts left are failed first. SKIP LOCKED lets many workers
   * claim at once without waiting.
   */
  async claim(request: ClaimRequest): Promise<JobEntity | null> {
    assertLease(request.leaseSeconds);
    await this.dataSource.query(
      `UPDATE jobs SET state = 'failed', error = 'lease expired after ' || attempts || ' attempts',
              lease_owner = NULL, lease_expires_at = NULL, finished_at = now(), updated_at = now()
        WHERE state = 'running' AND lease_expires_at < now() AND attempts >= max_attempts`,
    );
    const rows = await sqlRows<{ job_id: string; owner_user_id: string }>(
      this.dataSource,
      `UPDATE jobs SET state = 'running', lease_owner = $1,
              lease_expires_at = now() + make_interval(secs => $2::double precision),
              heartbeat_at = now(), attempts = attempts + 1,
              started_at = coalesce(started_at, now()), updated_at = now()
        WHERE job_id = (
          SELECT job_id FROM jobs
           WHERE (state = 'queued' OR (state = 'running' AND lease_expires_at < now()))
             AND attempts < max_attempts
             AND (run_after IS NULL OR run_after <= now())
             AND ($3::text[] IS NULL OR kind = ANY($3::text[]))
           ORDER BY created_at, job_id
           LIMIT 1
           FOR UPDATE SKIP LOCKED)
        RETURNING job_id, owner_user_id`,
      [request.workerId, request.leaseSeconds, request.kinds ?? null],
    );
    const row = rows[0];
    return row ? this.mustGet(row.owner_user_id, row.job_id) : null;
  }

  /** Records progress (and extends the lease) while the worker holds the job. */
  async progress(jobId: string, workerId: string, progress: JobProgress): Promise<JobEntity> {
    if (progress.leaseSeconds !== undefined) assertLease(progress.leaseSeconds);
    return this.held(
      jobId,
      workerId,
      `done = coalesce($3, done), total = coalesce($4, total), failures = failures || $5::jsonb,
       heartbeat_at = now(),
       lease_expires_at = CASE WHEN $6::double precision IS NULL THEN lease_expires_at
                               ELSE now() + make_interval(secs => $6::double precision) END`,
      [
        progress.done ?? null,
        progress.total ?? null,
        JSON.stringify(progress.failures ?? []),
        progress.leaseSeconds ?? null,
      ],
    );
  }

  complete(jobId: string, workerId: string, result: Record<string, unknown> = {}): Promise<JobEntity> {
    return this.held(
      jobId,
      workerId,
      `state = 'succeeded', result = $3::jsonb, error = NULL, lease_owner = NULL, lease_expires_at = NULL,
       finished_at = now()`,
      [JSON.stringify(result)],
    );
  }

  /** Fails the job; a retryable failure with attempts left puts it back in the queue instead. */
  fail(
    jobId: string,
    workerId: string,
    error: string,
    options: { retryable?: boolean } = {},
  ): Promise<JobEntity> {
    return this.held(
      jobId,
      workerId,
      `state = CASE WHEN $4::boolean AND attempts < max_attempts THEN 'queued' ELSE 'failed' END,
       finished_at = CASE WHEN $4::boolean AND attempts < max_attempts THEN NULL ELSE now() END,
       error = $3, lease_owner = NULL, lease_expires_at = NULL`,
      [error, options.retryable ?? false],
    );
  }

  /** Cancels a queued or running job; cancelling a cancelled job is a no-op, a finished one a conflict. */
  async cancel(ownerUserId: string, jobId: string): Promise<JobEntity> {
    const rows = await sqlRows(
      this.dataSource,
      `UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL,
              finished_at = now(), updated_at = now()
        WHERE owner_user_id = $1 AND job_id = $2 AND state IN ('queued', 'running')
        RETURNING job_id`,
      [ownerUserId, jobId],
    );
    const job = await this.get(ownerUserId, jobId);
    if (!job) throw LookalikeError.notFound('job', jobId);
    if (rows.length === 0 && job.state !== 'cancelled') {
      throw new LookalikeError(ErrorCode.Conflict, `job ${jobId} already ${job.state}`, {
        details: { state: job.state },
      });
    }
    return job;
  }

  private async held(jobId: string, workerId: string, set: string, params: unknown[]): Promise<JobEntity> {
    const rows = await sqlRows<{ owner_user_id: string }>(
      this.dataSource,
      `UPDATE jobs SET ${set}, updated_at = now()
        WHERE job_id = $1 AND state = 'running' AND lease_owner = $2
        RETURNING owner_user_id`,
      [jobId, workerId, ...params],
    );
    const row = rows[0];
    if (!row) {
      const job = await this.repo.findOneBy({ jobId });
      if (!job) throw LookalikeError.notFound('job', jobId);
      throw new LookalikeError(
        ErrorCode.Conflict,
        `job ${jobId} is not held by ${workerId} (state ${job.state})`,
        {
          details: { state: job.state },
        },
      );
    }
    return this.mustGet(row.owner_user_id, jobId);
  }

  private async mustGet(ownerUserId: string, jobId: string): Promise<JobEntity> {
    const job = await this.get(ownerUserId, jobId);
    if (!job) throw LookalikeError.notFound('job', jobId);
    return job;
  }
}

function assertLease(seconds: number): void {
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 86_400) {
    throw LookalikeError.invalid('leaseSeconds must be within 0..86400', { seconds });
  }
}
