import {
  AckPolicy,
  DeliverPolicy,
  JSONCodec,
  nanos,
  RetentionPolicy,
  StorageType,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import {
  isJobEnvelope,
  retryDelayMs,
  type JobConsumer,
  type JobConsumerOptions,
  type JobEnvelope,
  type JobHandler,
  type JobQueue,
} from './job-queue.port';

export interface JetStreamJobQueueOptions {
  /** The same prefix as the request-reply subjects, so stacks sharing one NATS stay apart. */
  subjectPrefix?: string;
  /**
   * How long a delivered message may go without an ack or a heartbeat before JetStream delivers it
   * again (to this or another process); a killed worker's jobs come back after this. Default 30 s.
   */
  ackWaitMs?: number;
  /** Deliveries of one message before JetStream gives up on it. Default 20. */
  maxDeliver?: number;
  onError?: (error: unknown, kind: string) => void;
}

const codec = JSONCodec<JobEnvelope>();
const PULL_EXPIRES_MS = 2_000;

/**
 * Jobs on NATS JetStream: one file-backed work-queue stream, one durable pull consumer per job kind
 * shared by every process of the service (so each message goes to one of them), explicit acks sent
 * only after the handler finished, and redelivery when a worker dies or fails.
 */
export class JetStreamJobQueue implements JobQueue {
  readonly kind = 'jetstream' as const;
  private readonly stream: string;
  private readonly subjectRoot: string;
  private ready?: Promise<void>;
  private readonly consumers = new Set<JobConsumer>();

  constructor(
    private readonly connection: NatsConnection,
    private readonly options: JetStreamJobQueueOptions = {},
  ) {
    const prefix = options.subjectPrefix ?? '';
    this.stream = `${prefix ? `${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}_` : ''}LOOKALIKE_JOBS`;
    this.subjectRoot = `${prefix ? `${prefix}.` : ''}jobs`;
  }

  get streamName(): string {
    return this.stream;
  }

  async publish(envelope: JobEnvelope): Promise<void> {
    await this.ensureStream();
    // msgID lets JetStream drop a second publish of the same job within its duplicate window.
    await this.connection
      .jetstream()
      .publish(this.subject(envelope.kind), codec.encode(envelope), { msgID: `${envelope.jobId}` });
  }

  async consume(kind: string, handler: JobHandler, options: JobConsumerOptions): Promise<JobConsumer> {
    await this.ensureStream();
    const durable = `jobs-${kind.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const config = {
      durable_name: durable,
      filter_subject: this.subject(kind),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.options.ackWaitMs ?? 30_000),
      max_deliver: this.options.maxDeliver ?? 20,
      max_ack_pending: 1000,
    };
    const jsm = await this.connection.jetstreamManager();
    try {
      await jsm.consumers.info(this.stream, durable);
      await jsm.consumers.update(this.stream, durable, {
        ack_wait: config.ack_wait,
        max_deliver: config.max_deliver,
        max_ack_pending: config.max_ack_pending,
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.consumers.add(this.stream, config);
    }
    const consumer = await this.connection.jetstream().consumers.get(this.stream, durable);
    let running = true;
    const ackWaitMs = this.options.ackWaitMs ?? 30_000;
    const workers = Array.from({ length: Math.max(1, options.concurrency) }, async () => {
      while (running && !this.connection.isClosed()) {
        let message: JsMsg | null;
        try {
          message = await consumer.next({ expires: PULL_EXPIRES_MS });
        } catch (error) {
          if (!running || this.connection.isClosed()) break;
          this.options.onError?.(error, kind);
          await sleep(500);
          continue;
        }
        if (message) await this.handle(kind, message, handler, ackWaitMs);
      }
    });
    const handle: JobConsumer = {
      stop: async () => {
        running = false;
        await Promise.all(workers);
        this.consumers.delete(handle);
      },
    };
    this.consumers.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
  }

  /** Removes the stream and its consumers (tests, and operators resetting a stack). */
  async destroy(): Promise<void> {
    await this.close();
    const jsm = await this.connection.jetstreamManager();
    await jsm.streams.delete(this.stream).catch(() => undefined);
  }

  private async handle(kind: string, message: JsMsg, handler: JobHandler, ackWaitMs: number): Promise<void> {
    let envelope: unknown;
    try {
      envelope = message.json();
    } catch {
      envelope = undefined;
    }
    if (!isJobEnvelope(envelope)) {
      // A message nobody can handle would come back forever; drop it for good.
      message.term();
      return;
    }
    const heartbeat = setInterval(() => message.working(), Math.max(200, Math.floor(ackWaitMs / 3)));
    try {
      const outcome = await handler({
        envelope,
        deliveryCount: message.info.deliveryCount,
        working: () => message.working(),
      });
      if ('retryAfterMs' in outcome) message.nak(outcome.retryAfterMs);
      else await message.ackAck();
    } catch (error) {
      this.options.onError?.(error, kind);
      message.nak(retryDelayMs(message.info.deliveryCount));
    } finally {
      clearInterval(heartbeat);
    }
  }

  private subject(kind: string): string {
    return `${this.subjectRoot}.${kind}`;
  }

  private ensureStream(): Promise<void> {
    this.ready ??= (async () => {
      const jsm = await this.connection.jetstreamManager();
      try {
        await jsm.streams.info(this.stream);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await jsm.streams.add({
          name: this.stream,
          subjects: [`${this.subjectRoot}.>`],
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
          duplicate_window: nanos(10 * 60_000),
        });
      }
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
