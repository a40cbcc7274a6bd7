import type { MessagePort } from 'node:worker_threads';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { PinoLogger } from 'nestjs-pino';
import { BusHandler, BusMessage, BusSubscription, MessageBus } from '../message-bus.port';
import { errorToHeaders } from '../wire-errors';

/** What travels over the port between a thread's ThreadBus and the bus it reaches. */
type Call =
  | {
      kind: 'request';
      id: number;
      subject: string;
      data: Uint8Array;
      headers: Record<string, string>;
      timeoutMs: number;
    }
  | { kind: 'metrics'; id: number };
type Answer =
  { id: number; data: Uint8Array; headers: Record<string, string> } | { id: number; metrics: unknown[] };

/**
 * A copy that owns its whole ArrayBuffer, to hand over with postMessage's transfer list (the
 * structured clone of a view would copy the whole buffer behind it, e.g. Buffer's 8 KiB pool).
 */
function wireCopy(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(data);
}

/** Extra time the calling side waits past a request's own timeout, which the serving side enforces. */
const TIMEOUT_GRACE_MS = 1_000;

export interface ServeOnPortOptions {
  /** This thread's metrics (`registry.getMetricsAsJSON()`), for the other thread's /metrics. */
  metrics?: () => Promise<unknown[]>;
}

/**
 * The serving end of a ThreadBus: every request that arrives on `port` goes to `bus` (the
 * process's in-process bus) with its subject, headers and timeout, and its reply or typed error
 * goes back. Returns a function that stops serving.
 */
export function serveBusOnPort(
  port: MessagePort,
  bus: MessageBus,
  options: ServeOnPortOptions = {},
): () => void {
  const onCall = (call: Call): void => {
    if (call.kind === 'metrics') {
      void (options.metrics?.() ?? Promise.resolve([])).then(
        (metrics) => port.postMessage({ id: call.id, metrics } satisfies Answer),
        () => port.postMessage({ id: call.id, metrics: [] } satisfies Answer),
      );
      return;
    }
    bus
      .request(call.subject, { data: call.data, headers: call.headers }, call.timeoutMs)
      .then(
        (reply) => ({ id: call.id, data: reply.data, headers: reply.headers }),
        (error: unknown) => {
          // A typed error is an answer; anything else is a bug on this side, logged with its stack
          // here because only its code crosses the port.
          if (!(error instanceof LookalikeError)) {
            PinoLogger.root?.error({ err: error, subject: call.subject }, 'thread bus request failed');
          }
          return { id: call.id, data: new Uint8Array(0), headers: errorToHeaders(error) };
        },
      )
      .then((answer) => {
        const data = wireCopy(answer.data);
        port.postMessage({ ...answer, data } satisfies Answer, [data.buffer]);
      });
  };
  port.on('message', onCall);
  return () => port.off('message', onCall);
}

/**
 * The transport of a service module that runs in a worker thread of the embedded process (the
 * gateway: its HTTP work gets a core of its own): requests cross a MessagePort to the main
 * thread's in-process bus, which routes them as it routes its own, and replies and typed errors
 * come back the same way. Bytes are copied across, as over a real wire. A module in this thread
 * only calls; it serves no subjects.
 */
export class ThreadBus implements MessageBus {
  readonly kind = 'local' as const;
  private readonly pending = new Map<
    number,
    { resolve: (answer: Answer) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  private nextId = 0;
  private closed = false;

  private static current: ThreadBus | undefined;

  constructor(
    private readonly port: MessagePort,
    readonly maxPayload = 8 * 1024 * 1024,
  ) {
    port.on('message', (answer: Answer) => {
      const waiting = this.pending.get(answer.id);
      if (!waiting) return;
      this.pending.delete(answer.id);
      clearTimeout(waiting.timer);
      waiting.resolve(answer);
    });
  }

  /** Makes `bus` this thread's transport (MessagingModule picks it for TRANSPORT=local). */
  static install(bus: ThreadBus): void {
    ThreadBus.current = bus;
  }

  static forThread(): ThreadBus | undefined {
    return ThreadBus.current;
  }

  async request(subject: string, message: BusMessage, timeoutMs: number): Promise<BusMessage> {
    if (message.data.byteLength > this.maxPayload) {
      throw new LookalikeError(
        ErrorCode.PayloadTooLarge,
        `request of ${message.data.byteLength} bytes exceeds the transport limit`,
        { details: { limit: this.maxPayload } },
      );
    }
    const answer = await this.call(
      (id) => ({ kind: 'request', id, subject, data: message.data, headers: message.headers, timeoutMs }),
      timeoutMs + TIMEOUT_GRACE_MS,
      subject,
    );
    if (!('data' in answer)) throw new LookalikeError(ErrorCode.Internal, `malformed reply on ${subject}`);
    return { data: answer.data, headers: answer.headers };
  }

  /** The serving thread's metrics as `getMetricsAsJSON()` gives them. */
  async peerMetrics(): Promise<unknown[]> {
    const answer = await this.call((id) => ({ kind: 'metrics', id }), 5_000, 'metrics');
    return 'metrics' in answer ? answer.metrics : [];
  }

  async serve(subject: string, _queue: string, _handler: BusHandler): Promise<BusSubscription> {
    throw new LookalikeError(
      ErrorCode.Internal,
      `a module in a worker thread cannot serve ${subject}: only the main thread's modules serve`,
    );
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('the thread transport is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new LookalikeError(ErrorCode.Unavailable, 'the thread transport is closed'));
      this.pending.delete(id);
    }
    this.port.close();
    if (ThreadBus.current === this) ThreadBus.current = undefined;
  }

  private call(build: (id: number) => Call, waitMs: number, subject: string): Promise<Answer> {
    if (this.closed) {
      return Promise.reject(new LookalikeError(ErrorCode.Unavailable, 'the thread transport is closed'));
    }
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new LookalikeError(ErrorCode.Timeout, `${subject} did not answer within ${waitMs} ms`, {
            details: { subject, timeout_ms: waitMs },
          }),
        );
      }, waitMs);
      this.pending.set(id, { resolve, reject, timer });
      const call = build(id);
      if (call.kind === 'request') {
        const data = wireCopy(call.data);
        this.port.postMessage({ ...call, data }, [data.buffer]);
      } else {
        this.port.postMessage(call);
      }
    });
  }
}
