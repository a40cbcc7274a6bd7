import { DeepPartialOf, ErrorCode, LookalikeError, SubjectDef } from '@lookalike/contracts';
import {
  currentRequestId,
  injectTraceHeaders,
  inSpan,
  REQUEST_ID_HEADER,
  rpcClientHistogram,
  SpanKind,
} from '@lookalike/observability';
import { MessageBus } from './message-bus.port';
import { errorFromHeaders } from './wire-errors';

export interface RpcClientOptions {
  /** The calling service, for metrics and the caller header. */
  service: string;
  /** When set, replaces every subject's default timeout (tests, slow environments). */
  timeoutOverrideMs?: number;
}

export interface SendOptions {
  timeoutMs?: number;
}

/**
 * The typed client every service and the gateway use: `send(Subjects.X, request)` encodes with
 * the subject's generated codec, applies its timeout, carries the request id and trace context,
 * and turns a remote error back into a LookalikeError with its code.
 */
export class RpcClient {
  private readonly histogram = rpcClientHistogram();

  constructor(
    private readonly bus: MessageBus,
    private readonly options: RpcClientOptions,
  ) {}

  /**
   * Whether a stored image's bytes may go along in a message: only on the in-process transport,
   * where nothing is sent over a network. Over NATS they never do (the object store carries them,
   * messages the key: docs/ARCHITECTURE.md).
   */
  get carriesImageBytes(): boolean {
    return this.bus.kind === 'local';
  }

  async send<Req, Res>(
    subject: SubjectDef<Req, Res>,
    request: DeepPartialOf<Req>,
    options: SendOptions = {},
  ): Promise<Res> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutOverrideMs ?? subject.timeoutMs;
    const data = subject.request.encode(subject.request.fromPartial(request)).finish();
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    try {
      return await inSpan(
        `send ${subject.name}`,
        SpanKind.CLIENT,
        undefined,
        { 'messaging.destination': subject.name },
        async () => {
          const headers: Record<string, string> = { 'lk-caller': this.options.service };
          const requestId = currentRequestId();
          if (requestId) {
            headers[REQUEST_ID_HEADER] = requestId;
          }
          injectTraceHeaders(headers);
          const reply = await this.bus.request(subject.name, { data, headers }, timeoutMs);
          const remoteError = errorFromHeaders(reply.headers);
          if (remoteError) {
            throw remoteError;
          }
          try {
            return subject.response.decode(reply.data);
          } catch (cause) {
            throw new LookalikeError(ErrorCode.Internal, `malformed reply on ${subject.name}`, { cause });
          }
        },
      );
    } catch (error) {
      outcome = error instanceof LookalikeError ? error.code : ErrorCode.Internal;
      throw error;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.histogram.observe({ service: this.options.service, subject: subject.name, outcome }, seconds);
    }
  }
}
