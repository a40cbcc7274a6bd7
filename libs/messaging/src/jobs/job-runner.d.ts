import type { JobQueue } from './job-queue.port';
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
}
/**
 * Durable job state with leases; @lookalike/persistence's JobRepository implements it. Kept as a
 * port here so the messaging library does not depend on the SQL one.
 */
export interface JobStore {
    create(input: NewJobInput): Promise<{
        job: JobRecord;
        created: boolean;
    }>;
    get(ownerUserId: string, jobId: string): Promise<JobRecord | null>;
    claim(request: {
        workerId: string;
        kinds?: string[];
        leaseSeconds: number;
    }): Promise<JobRecord | null>;
    progress(jobId: string, workerId: string, progress: {
        done?: number;
        total?: number;
        failures?: JobFailureRecord[];
        leaseSeconds?: number;
    }): Promise<JobRecord>;
    complete(jobId: string, workerId: string, result?: Record<string, unknown>): Promise<JobRecord>;
    fail(jobId: string, workerId: string, error: string, options?: {
        retryable?: boolean;
    }): Promise<JobRecord>;
}
export interface RunningJob {
    job: JobRecord;
    /** Aborted when this worker lost the lease (expired or cancelled): stop, another one took over. */
    signal: AbortSignal;
    /** Records progress and renews the lease; failures are appended to the job's list. */
    progress(update: {
        done?: number;
        total?: number;
        failures?: JobFailureRecord[];
    }): Promise<void>;
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
    onError?: (error: unknown, context: {
        kind: string;
        jobId?: string;
    }) => void;
}
/**
 * Runs durable jobs: `submit` writes the row and publishes its id; a delivery claims claimable
 * jobs of its kind under a lease, runs them with a heartbeat, and completes or fails the row. The
 * queue gives prompt, crash-safe delivery; the row decides who runs what, so duplicates and
 * replays of a message are harmless. A periodic sweep claims jobs whose message was lost.
 */
export declare class JobRunner {
    private readonly queue;
    private readonly store;
    private readonly options;
    private readonly works;
    private readonly consumers;
    private sweepTimer?;
    private readonly inFlight;
    private stopped;
    private readonly leaseSeconds;
    constructor(queue: JobQueue, store: JobStore, options: JobRunnerOptions);
    register(kind: string, work: JobWork, options?: {
        concurrency?: number;
    }): void;
    start(): Promise<void>;
    /** Creates the job (or returns the one with the same idempotency key) and queues it. */
    submit(input: NewJobInput): Promise<JobRecord>;
    /** Claims and runs every claimable job of the registered kinds now. */
    sweep(): Promise<void>;
    stop(): Promise<void>;
    private onDelivery;
    private drain;
    private execute;
    private track;
}
//# sourceMappingURL=job-runner.d.ts.map