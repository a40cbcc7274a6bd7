import { ErrorCode, isRequestError, LookalikeError } from '@lookalike/contracts';
import type { JobConsumer, JobDelivery, JobOutcome, JobQueue } from './job-queue.port';
import { JobSchedule, type JobScheduleOptions } from './job-schedule';

/** The job row as the runner needs it; @lookalike/persistence's JobEntity has this shape. */
export interface JobRecord {
  jobId: string;
  ownerUserId: string;
  kind: string;
  state: string;
  payload: Record<string, unknown>;
  done: number;
  total: number;
  attempts: number;
  maxAttempts: number;
  /** A queued job is not claimed before this time (absent or null: at once). */
  runAfter?: Date | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
}

export interface JobFailureRecord {
  item: string;
  code: string;
  reason: string;
}

export interface NewJobInput {
  ownerUserId: string;
  kind: string;
  payload?: Record<string, unknown>;
  total?: number;
  maxAttempts?: number;
  idempotencyKey?: string;
  /** Run no earlier than this (a deletion after its undo window); at once when omitted. */
  runAfter?: Date;
}

/**
 * Durable job state with leases; @lookalike/persistence's JobRepository implements it. Kept as a
 * port here so the messaging library does not depend on the SQL one.
 */
export interface JobStore {
  create(input: NewJobInput): Promise<{ job: JobRecord; created: boolean }>;
  get(ownerUserId: string, jobId: string): Promise<JobRecord | null>;
  claim(request: { workerId: string; kinds?: string[]; leaseSeconds: number }): Promise<JobRecord | null>;
  progress(
    jobId: string,
    workerId: string,
    progress: { done?: number; total?: number; failures?: JobFailureRecord[]; leaseSeconds?: number },
  ): Promise<JobRecord>;
  complete(jobId: string, workerId: string, result?: Record<string, unknown>): Promise<JobRecord>;
  fail(jobId: string, workerId: string, error: string, options?: { retryable?: boolean }): Promise<JobRecord>;
}

export interface RunningJob {
  job: JobRecord;
  /** Aborted when this worker lost the lease (expired or cancelled): stop, another one took over. */
  signal: AbortSignal;
  /** Records progress and renews the lease; failures are appended to the job's list. */
  progress(update: { done?: number; total?: number; failures?: JobFailureRecord[] }): Promise<void>;
}

/** The work of one job kind; must be idempotent (a crash replays it from the row's progress). */
export type JobWork = (running: RunningJob) => Promise<Record<string, unknown> | void>;

export interface JobRunnerOptions {
  /** Names this process in leases. */
  workerId: string;
  /** A worker that stops renewing loses its job after this long. Default 30. */
  leaseSeconds?: number;
  /** How often unfinished jobs are looked for in SQL (messages lost with an embedded process). */
  sweepIntervalMs?: number;
  onError?: (error: unknown, context: { kind: string; jobId?: string }) => void;
}

/**
 * Runs durable jobs: `submit` writes the row and publishes its id; a delivery claims claimable
 * jobs of its kind under a lease, runs them with a heartbeat, and completes or fails the row. The
 * queue gives prompt, crash-safe delivery; the row decides who runs what, so duplicates and
 * replays of a message are harmless. A periodic sweep claims jobs whose message was lost.
 */
export class JobRunner {
  private readonly works = new Map<string, { work: JobWork; concurrency: number }>();
  private readonly consumers: JobConsumer[] = [];
  private readonly schedules: JobSchedule[] = [];
  private sweepTimer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;
  private readonly leaseSeconds: number;

  constructor(
    private readonly queue: JobQueue,
    private readonly store: JobStore,
    private readonly options: JobRunnerOptions,
  ) {
    this.leaseSeconds = options.leaseSeconds ?? 30;
  }

  register(kind: string, work: JobWork, options: { concurrency?: number } = {}): void {
    this.works.set(kind, { work, concurrency: options.concurrency ?? 1 });
  }

  /** Submits a job per owner at each tick of a cron (started and stopped with the runner). */
  schedule(options: JobScheduleOptions): JobSchedule {
    const schedule = new JobSchedule(this, options, (error) =>
      this.options.onError?.(error, { kind: options.kind }),
    );
    this.schedules.push(schedule);
    return schedule;
  }

  async start(): Promise<void> {
    for (const [kind, { concurrency }] of this.works) {
      this.consumers.push(
        await this.queue.consume(kind, (delivery) => this.onDelivery(kind, delivery), { concurrency }),
      );
    }
    const interval = this.options.sweepIntervalMs ?? this.leaseSeconds * 1000;
    this.sweepTimer = setInterval(() => void this.sweep(), interval);
    this.sweepTimer.unref();
    for (const schedule of this.schedules) schedule.start();
    void this.sweep();
  }

  /** Creates the job (or returns the one with the same idempotency key) and queues it. */
  async submit(input: NewJobInput): Promise<JobRecord> {
    const { job, created } = await this.store.create(input);
    if (created) await this.queue.publish({ jobId: job.jobId, ownerUserId: job.ownerUserId, kind: job.kind });
    return job;
  }

  /** Claims and runs every claimable job of the registered kinds now. */
  async sweep(): Promise<void> {
    for (const kind of this.works.keys()) {
      await this.track(this.drain(kind, () => undefined)).catch((error: unknown) =>
        this.options.onError?.(error, { kind }),
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const schedule of this.schedules) schedule.stop();
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
    await Promise.allSettled([...this.inFlight]);
  }

  private async onDelivery(kind: string, delivery: JobDelivery): Promise<JobOutcome> {
    if (this.stopped) return { retryAfterMs: 1000 };
    await this.track(this.drain(kind, () => delivery.working()));
    const job = await this.store.get(delivery.envelope.ownerUserId, delivery.envelope.jobId);
    if (!job || job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled') {
      return { ack: true };
    }
    // Delayed: come back when it is due (a due job the claim just missed is retried shortly).
    if (job.state === 'queued' && job.runAfter) {
      return { retryAfterMs: Math.max(500, job.runAfter.getTime() - Date.now() + 100) };
    }
    // Still held by a live (or recently dead) worker, or requeued: come back when its lease is over.
    const leaseLeft = job.leaseExpiresAt ? job.leaseExpiresAt.getTime() - Date.now() : 0;
    return { retryAfterMs: Math.max(500, leaseLeft + 500) };
  }

  private async drain(kind: string, working: () => void): Promise<void> {
    const entry = this.works.get(kind);
    if (!entry) return;
    while (!this.stopped) {
      const job = await this.store.claim({
        workerId: this.options.workerId,
        kinds: [kind],
        leaseSeconds: this.leaseSeconds,
      });
      if (!job) return;
      await this.execute(job, entry.work, working);
    }
  }

  private async execute(job: JobRecord, work: JobWork, working: () => void): Promise<void> {
    const { workerId } = this.options;
    const abort = new AbortController();
    const renew = async (update: Parameters<RunningJob['progress']>[0] = {}) => {
      if (abort.signal.aborted) throw new LookalikeError(ErrorCode.Conflict, `job ${job.jobId} lease lost`);
      try {
        await this.store.progress(job.jobId, workerId, { ...update, leaseSeconds: this.leaseSeconds });
        working();
      } catch (error) {
        if (error instanceof LookalikeError && error.code === ErrorCode.Conflict) abort.abort(error);
        throw error;
      }
    };
    const heartbeat = setInterval(
      () =>
        void renew().catch((error: unknown) =>
          this.options.onError?.(error, { kind: job.kind, jobId: job.jobId }),
        ),
      Math.max(250, (this.leaseSeconds * 1000) / 3),
    );
    heartbeat.unref();
    try {
      const result = await work({ job, signal: abort.signal, progress: renew });
      if (!abort.signal.aborted) await this.store.complete(job.jobId, workerId, result ?? {});
    } catch (error) {
      if (abort.signal.aborted) return;
      this.options.onError?.(error, { kind: job.kind, jobId: job.jobId });
      const retryable = !isRequestError(error);
      const message = error instanceof Error ? error.message : String(error);
      await this.store.fail(job.jobId, workerId, message, { retryable }).catch(() => undefined);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise)).catch(() => undefined);
    return promise;
  }
}
