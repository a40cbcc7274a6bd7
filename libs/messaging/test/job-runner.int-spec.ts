import { randomUUID } from 'node:crypto';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { JobRepository, openDatabase, type LookalikeDataSource } from '@lookalike/persistence';
import {
  InProcessJobQueue,
  JetStreamJobQueue,
  JobRunner,
  NatsBus,
  type JobQueue,
  type JobRecord,
} from '../src';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

async function until(what: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('JobRunner over PostgreSQL job rows', () => {
  const schema = `jobs_${randomUUID().slice(0, 8)}`;
  let db: LookalikeDataSource;
  let jobs: JobRepository;
  let bus: NatsBus;

  beforeAll(async () => {
    db = await openDatabase({ url: PG_URL, schema, poolSize: 4 });
    jobs = new JobRepository(db);
    bus = await NatsBus.connect({ url: NATS_URL, name: 'jobs-int' });
  });

  afterAll(async () => {
    await bus?.close();
    await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db?.destroy();
  });

  const queues: [string, () => JobQueue][] = [
    [
      'jetstream',
      () =>
        new JetStreamJobQueue(bus.raw, { subjectPrefix: `t${randomUUID().slice(0, 8)}`, ackWaitMs: 2000 }),
    ],
    ['in-process', () => new InProcessJobQueue()],
  ];

  describe.each(queues)('%s queue', (_name, makeQueue) => {
    let queue: JobQueue;
    let runner: JobRunner;

    beforeEach(() => {
      queue = makeQueue();
      runner = new JobRunner(queue, jobs, {
        workerId: `w-${randomUUID()}`,
        leaseSeconds: 2,
        sweepIntervalMs: 500,
      });
    });

    afterEach(async () => {
      await runner.stop();
      if (queue instanceof JetStreamJobQueue) await queue.destroy();
      else await queue.close();
    });

    it('runs a submitted job with progress and records its result', async () => {
      runner.register('count', async ({ job, progress }) => {
        const n = Number(job.payload.n);
        for (let i = 1; i <= n; i += 1) await progress({ done: i });
        return { counted: n };
      });
      await runner.start();
      const submitted = await runner.submit({
        ownerUserId: 'alice',
        kind: 'count',
        payload: { n: 3 },
        total: 3,
      });
      let job: JobRecord | null = null;
      await until(async () => {
        job = await jobs.get('alice', submitted.jobId);
        return job?.state === 'succeeded';
      });
      expect(await jobs.get('alice', submitted.jobId)).toMatchObject({
        done: 3,
        total: 3,
        result: { counted: 3 },
        attempts: 1,
      });
    });

    it('retries a job whose work failed for a transient reason, and fails a client error at once', async () => {
      let calls = 0;
      runner.register('flaky', async () => {
        calls += 1;
        if (calls === 1) throw new LookalikeError(ErrorCode.Unavailable, 'embedding service down');
        return { ok: true };
      });
      runner.register('bad', async () => {
        throw LookalikeError.invalid('the payload is wrong');
      });
      await runner.start();
      const flaky = await runner.submit({ ownerUserId: 'alice', kind: 'flaky', maxAttempts: 3 });
      const bad = await runner.submit({ ownerUserId: 'alice', kind: 'bad', maxAttempts: 3 });
      await until(async () => (await jobs.get('alice', flaky.jobId))?.state === 'succeeded');
      await until(async () => (await jobs.get('alice', bad.jobId))?.state === 'failed');
      expect(await jobs.get('alice', flaky.jobId)).toMatchObject({ attempts: 2 });
      expect(await jobs.get('alice', bad.jobId)).toMatchObject({
        attempts: 1,
        error: 'the payload is wrong',
      });
    });

    it('runs a delayed job only once its run_after has passed', async () => {
      runner.register('later', async () => ({ ran: true }));
      await runner.start();
      const runAfter = new Date(Date.now() + 1500);
      const submitted = await runner.submit({ ownerUserId: 'dave', kind: 'later', runAfter });
      await new Promise((r) => setTimeout(r, 700));
      expect(await jobs.get('dave', submitted.jobId)).toMatchObject({ state: 'queued', attempts: 0 });
      await until(async () => (await jobs.get('dave', submitted.jobId))?.state === 'succeeded');
      const done = await jobs.get('dave', submitted.jobId);
      expect(done?.startedAt?.getTime()).toBeGreaterThanOrEqual(runAfter.getTime());
      expect(done).toMatchObject({ attempts: 1, result: { ran: true } });
    });

    it('picks up a queued job whose message was never published (sweep)', async () => {
      const { job } = await jobs.create({ ownerUserId: 'bob', kind: 'orphan', payload: {} });
      runner.register('orphan', async () => ({ found: true }));
      await runner.start();
      await until(async () => (await jobs.get('bob', job.jobId))?.state === 'succeeded');
    });

    it('takes over a job whose worker stopped renewing its lease', async () => {
      // A worker that claimed the job and died: the row is running under a lease nobody renews.
      const { job } = await jobs.create({ ownerUserId: 'carol', kind: 'takeover', maxAttempts: 3 });
      const claimed = await jobs.claim({ workerId: 'dead-worker', kinds: ['takeover'], leaseSeconds: 1 });
      expect(claimed?.jobId).toBe(job.jobId);
      await queue.publish({ jobId: job.jobId, ownerUserId: 'carol', kind: 'takeover' });
      runner.register('takeover', async () => ({ resumed: true }));
      await runner.start();
      await until(async () => (await jobs.get('carol', job.jobId))?.state === 'succeeded');
      expect(await jobs.get('carol', job.jobId)).toMatchObject({ attempts: 2, result: { resumed: true } });
    });
  });

  it('redelivers a JetStream message whose consumer died before acking, and acks after the handler', async () => {
    const queue = new JetStreamJobQueue(bus.raw, {
      subjectPrefix: `r${randomUUID().slice(0, 8)}`,
      ackWaitMs: 1000,
    });
    try {
      // Create the durable consumer, then publish with nobody pulling.
      await (await queue.consume('slow', async () => ({ ack: true }), { concurrency: 1 })).stop();
      await queue.publish({ jobId: 'j1', ownerUserId: 'dan', kind: 'slow' });
      // A process takes the message and dies before acking it.
      const raw = await bus.raw.jetstream().consumers.get(queue.streamName, 'jobs-slow');
      expect(await raw.next({ expires: 2000 })).not.toBeNull();
      const deliveries: number[] = [];
      const consumer = await queue.consume(
        'slow',
        async (delivery) => {
          deliveries.push(delivery.deliveryCount);
          return { ack: true };
        },
        { concurrency: 1 },
      );
      await until(async () => deliveries.length > 0, 10_000);
      await new Promise((r) => setTimeout(r, 1500));
      await consumer.stop();
      expect(deliveries).toEqual([2]);
    } finally {
      await queue.destroy();
    }
  });
});
