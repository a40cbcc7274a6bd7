import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import {
  connect,
  ErrorCode as NatsErrorCode,
  headers as natsHeaders,
  MsgHdrs,
  NatsConnection,
  NatsError,
} from 'nats';
import { BusHandler, BusMessage, BusSubscription, MessageBus } from '../message-bus.port';

export interface NatsBusOptions {
  url: string;
  name: string;
  /** Give up connecting at start after this long; reconnects later are unlimited. */
  connectTimeoutMs?: number;
  /** Namespaces every subject (`<prefix>.<subject>`) so several stacks can share one NATS. */
  subjectPrefix?: string;
  onError?: (error: unknown, subject: string) => void;
}

/** Request-reply over NATS core with queue groups; reconnects forever once connected. */
export class NatsBus implements MessageBus {
  readonly kind = 'nats' as const;

  private constructor(
    private readonly connection: NatsConnection,
    private readonly options: NatsBusOptions,
  ) {}

  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    try {
      const connection = await connect({
        servers: options.url.split(','),
        name: options.name,
        timeout: options.connectTimeoutMs ?? 5_000,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        waitOnFirstConnect: false,
      });
      return new NatsBus(connection, options);
    } catch (error) {
      throw new LookalikeError(ErrorCode.Unavailable, `cannot connect to NATS at ${options.url}`, {
        cause: error,
      });
    }
  }

  get maxPayload(): number {
    return this.connection.info?.max_payload ?? 1024 * 1024;
  }

  get raw(): NatsConnection {
    return this.connection;
  }

  async request(subject: string, message: BusMessage, timeoutMs: number): Promise<BusMessage> {
    if (message.data.byteLength > this.maxPayload) {
      throw new LookalikeError(
        ErrorCode.PayloadTooLarge,
        `request of ${message.data.byteLength} bytes exceeds the NATS max_payload of ${this.maxPayload}`,
        { details: { limit: this.maxPayload } },
      );
    }
    try {
      const reply = await this.connection.request(this.wireSubject(subject), message.data, {
        timeout: timeoutMs,
        headers: toNatsHeaders(message.headers),
      });
      return { data: reply.data, headers: fromNatsHeaders(reply.headers) };
    } catch (error) {
      throw mapNatsError(error, subject, timeoutMs);
    }
  }

  async serve(subject: string, queue: string, handler: BusHandler): Promise<BusSubscription> {
    const subscription = this.connection.subscribe(this.wireSubject(subject), {
      queue,
      callback: (error, msg) => {
        if (error) {
          this.options.onError?.(error, subject);
          return;
        }
        void handler({ data: msg.data, headers: fromNatsHeaders(msg.headers) })
          .then((reply) => {
            msg.respond(reply.data, { headers: toNatsHeaders(reply.headers) });
          })
          .catch((handlerError: unknown) => this.options.onError?.(handlerError, subject));
      },
    });
    // A subscription is live only once the server has seen it.
    await this.connection.flush();
    return {
      unsubscribe: async () => {
        await subscription.drain();
      },
    };
  }

  private wireSubject(subject: string): string {
    return this.options.subjectPrefix ? `${this.options.subjectPrefix}.${subject}` : subject;
  }

  async ping(): Promise<void> {
    if (this.connection.isClosed()) {
      throw new Error('NATS connection is closed');
    }
    await this.connection.flush();
  }

  async close(): Promise<void> {
    if (!this.connection.isClosed()) {
      await this.connection.drain();
    }
  }
}

function toNatsHeaders(values: Record<string, string>): MsgHdrs | undefined {
  const entries = Object.entries(values);
  if (entries.length === 0) {
    return undefined;
  }
  const h = natsHeaders();
  for (const [key, value] of entries) {
    h.set(key, value);
  }
  return h;
}

function fromNatsHeaders(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) {
    return out;
  }
  for (const key of h.keys()) {
    out[key.toLowerCase()] = h.get(key);
  }
  return out;
}

function mapNatsError(error: unknown, subject: string, timeoutMs: number): LookalikeError {
  if (error instanceof LookalikeError) {
    return error;
  }
  if (error instanceof NatsError) {
    if (error.code === NatsErrorCode.NoResponders) {
      return new LookalikeError(ErrorCode.Unavailable, `no service answers ${subject}`, {
        details: { subject },
        retryAfterSeconds: 1,
        cause: error,
      });
    }
    if (error.code === NatsErrorCode.Timeout) {
      return new LookalikeError(ErrorCode.Timeout, `${subject} did not answer within ${timeoutMs} ms`, {
        details: { subject, timeout_ms: timeoutMs },
        cause: error,
      });
    }
    if (error.code === NatsErrorCode.MaxPayloadExceeded) {
      return new LookalikeError(ErrorCode.PayloadTooLarge, `request exceeds the NATS max_payload`, {
        cause: error,
      });
    }
  }
  return new LookalikeError(ErrorCode.Unavailable, `transport error on ${subject}`, { cause: error });
}
