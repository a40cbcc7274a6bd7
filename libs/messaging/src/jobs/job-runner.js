"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.JobRunner = void 0;
const contracts_1 = require("@lookalike/contracts");
const CLIENT_ERRORS = new Set([
    contracts_1.ErrorCode.InvalidArgument,
    contracts_1.ErrorCode.NotFound,
    contracts_1.ErrorCode.PermissionDenied,
    contracts_1.ErrorCode.PayloadTooLarge,
    contracts_1.ErrorCode.UnsupportedMediaType,
    contracts_1.ErrorCode.Unprocessable,
]);
/**
 * Runs durable jobs: `submit` writes the row and publishes its id; a delivery claims claimable
 * jobs of its kind under a lease, runs them with a heartbeat, and completes or fails the row. The
 * queue gives prompt, crash-safe delivery; the row decides who runs what, so duplicates and
 * replays of a message are harmless. A periodic sweep claims jobs whose message was lost.
 */
class JobRunner {
    queue;
    store;
    options;
    works = new Map();
    consumers = [];
    sweepTimer;
    inFlight = new Set();
    stopped = false;
    leaseSeconds;
    constructor(queue, store, options) {
        this.queue = queue;
        this.store = store;
        this.options = options;
        this.leaseSeconds = options.leaseSeconds ?? 30;
    }
    register(kind, work, options = {}) {
        this.works.set(kind, { work, concurrency: options.concurrency ?? 1 });
    }
    async start() {
        for (const [kind, { concurrency }] of this.works) {
            this.consumers.push(await this.queue.consume(kind, (delivery) => this.onDelivery(kind, delivery), { concurrency }));
        }
        const interval = this.options.sweepIntervalMs ?? this.leaseSeconds * 1000;
        this.sweepTimer = setInterval(() => void this.sweep(), interval);
        this.sweepTimer.unref();
        void this.sweep();
    }
    /** Creates the job (or returns the one with the same idempotency key) and queues it. */
    async submit(input) {
        const { job, created } = await this.store.create(input);
        if (created)
            await this.queue.publish({ jobId: job.jobId, ownerUserId: job.ownerUserId, kind: job.kind });
        return job;
    }
    /** Claims and runs every claimable job of the registered kinds now. */
    async sweep() {
        for (const kind of this.works.keys()) {
            await this.track(this.drain(kind, () => undefined)).catch((error) => this.options.onError?.(error, { kind }));
        }
    }
    async stop() {
        this.stopped = true;
        if (this.sweepTimer)
            clearInterval(this.sweepTimer);
        await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
        await Promise.allSettled([...this.inFlight]);
    }
    async onDelivery(kind, delivery) {
        if (this.stopped)
            return { retryAfterMs: 1000 };
        await this.track(this.drain(kind, () => delivery.working()));
        const job = await this.store.get(delivery.envelope.ownerUserId, delivery.envelope.jobId);
        if (!job || job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled') {
            return { ack: true };
        }
        // Still held by a live (or recently dead) worker, or requeued: come back when its lease is over.
        const leaseLeft = job.leaseExpiresAt ? job.leaseExpiresAt.getTime() - Date.now() : 0;
        return { retryAfterMs: Math.max(500, leaseLeft + 500) };
    }
    async drain(kind, working) {
        const entry = this.works.get(kind);
        if (!entry)
            return;
        while (!this.stopped) {
            const job = await this.store.claim({
                workerId: this.options.workerId,
                kinds: [kind],
                leaseSeconds: this.leaseSeconds,
            });
            if (!job)
                return;
            await this.execute(job, entry.work, working);
        }
    }
    async execute(job, work, working) {
        const { workerId } = this.options;
        const abort = new AbortController();
        const renew = async (update = {}) => {
            if (abort.signal.aborted)
                throw new contracts_1.LookalikeError(contracts_1.ErrorCode.Conflict, `job ${job.jobId} lease lost`);
            try {
                await this.store.progress(job.jobId, workerId, { ...update, leaseSeconds: this.leaseSeconds });
                working();
            }
            catch (error) {
                if (error instanceof contracts_1.LookalikeError && error.code === contracts_1.ErrorCode.Conflict)
                    abort.abort(error);
                throw error;
            }
        };
        const heartbeat = setInterval(() => void renew().catch((error) => this.options.onError?.(error, { kind: job.kind, jobId: job.jobId })), Math.max(250, (this.leaseSeconds * 1000) / 3));
        heartbeat.unref();
        try {
            const result = await work({ job, signal: abort.signal, progress: renew });
            if (!abort.signal.aborted)
                await this.store.complete(job.jobId, workerId, result ?? {});
        }
        catch (error) {
            if (abort.signal.aborted)
                return;
            this.options.onError?.(error, { kind: job.kind, jobId: job.jobId });
            const retryable = !(error instanceof contracts_1.LookalikeError && CLIENT_ERRORS.has(error.code));
            const message = error instanceof Error ? error.message : String(error);
            await this.store.fail(job.jobId, workerId, message, { retryable }).catch(() => undefined);
        }
        finally {
            clearInterval(heartbeat);
        }
    }
    track(promise) {
        this.inFlight.add(promise);
        void promise.finally(() => this.inFlight.delete(promise)).catch(() => undefined);
        return promise;
    }
}
exports.JobRunner = JobRunner;
//# sourceMappingURL=job-runner.js.map