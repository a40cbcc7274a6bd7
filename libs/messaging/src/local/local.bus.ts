import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { BusHandler, BusMessage, BusSubscription, MessageBus } from '../message-bus.port';

interface Route {
  queue: string;
  handler: BusHandler;
}

/**
 * The embedded transport: the same request-reply semantics as NATS (queue groups, timeouts,
 * no-responder errors, payload limit) inside one process. Messages are copied so a handler can
 * never share memory with its caller, as over a real wire.
 */
export class LocalBus implements MessageBus {
  readonly kind = 'local' as const;
  private readonly routes = new Map<string, Route[]>();
  private readonly cursor = new Map<string, number>();
  private closed = false;

  constructor(readonly maxPayload = 8 * 1024 * 1024) {}

  private static shared: LocalBus | undefined;

  /** The one bus of this process: every embedded module meets on it. */
  static forProcess(): LocalBus {
    LocalBus.shared ??= new LocalBus();
    return LocalBus.shared;
  }

  async request(subject: string, message: BusMessage, timeoutMs: number): Promise<BusMessage> {
    if (this.closed) {
      throw new LookalikeError(ErrorCode.Unavailable, 'the in-process transport is closed');
    }
    if (message.data.byteLength > this.maxPayload) {
      throw new LookalikeError(
        ErrorCode.PayloadTooLarge,
        `request of ${message.data.byteLength} bytes exceeds the transport limit`,
        {
          details: { limit: this.maxPayload },
        },
      );
    }
    const route = this.pick(subject);
    if (!route) {
      throw new LookalikeError(ErrorCode.Unavailable, `no service answers ${subject}`, {
        details: { subject },
        retryAfterSeconds: 1,
      });
    }
    const copy: BusMessage = { data: Buffer.from(message.data), headers: { ...message.headers } };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new LookalikeError(ErrorCode.Timeout, `${subject} did not answer within ${timeoutMs} ms`, {
              details: { subject, timeout_ms: timeoutMs },
            }),
          ),
        timeoutMs,
      );
    });
    try {
      const reply = await Promise.race([Promise.resolve().then(() => route.handler(copy)), timeout]);
      return { data: Buffer.from(reply.data), headers: { ...reply.headers } };
    } finally {
      clearTimeout(timer);
    }
  }

  async serve(subject: string, queue: string, handler: BusHandler): Promise<BusSubscription> {
    const route: Route = { queue, handler };
    this.routes.set(subject, [...(this.routes.get(subject) ?? []), route]);
    return {
      unsubscribe: async () => {
        this.routes.set(
          subject,
          (this.routes.get(subject) ?? []).filter((r) => r !== route),
        );
      },
    };
  }

  async ping(): Promise<void> {
    if (this.closed) {
      throw new Error('the in-process transport is closed');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.routes.clear();
    if (LocalBus.shared === this) {
      LocalBus.shared = undefined;
    }
  }

  /** Round-robin across the queue group, like a NATS queue subscription. */
  private pick(subject: string): Route | undefined {
    const routes = this.routes.get(subject);
    if (!routes || routes.length === 0) {
      return undefined;
    }
    const next = (this.cursor.get(subject) ?? 0) % routes.length;
    this.cursor.set(subject, next + 1);
    return routes[next];
  }
}
