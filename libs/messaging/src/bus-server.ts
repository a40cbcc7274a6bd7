import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { ErrorCode, LookalikeError, SubjectDef, subjectByName } from '@lookalike/contracts';
import {
  acceptRequestId,
  inSpan,
  REQUEST_ID_HEADER,
  rpcServerHistogram,
  runWithRequestContext,
  SpanKind,
} from '@lookalike/observability';
import { PinoLogger } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import { lastValueFrom } from 'rxjs';
import { BusMessage, BusSubscription, MessageBus } from './message-bus.port';
import { errorToHeaders } from './wire-errors';

/**
 * Nest transport strategy over a MessageBus: every `@MessagePattern(Subjects.X.name)` handler
 * of the service is served on its subject with the service name as queue group. Requests and
 * replies are decoded/encoded with the subject's generated codec; the handler runs inside the
 * caller's request id and trace context; errors travel as typed codes.
 */
export class BusServer extends Server implements CustomTransportStrategy {
  private readonly subscriptions: BusSubscription[] = [];
  private readonly histogram = rpcServerHistogram();

  constructor(
    private readonly bus: MessageBus,
    private readonly service: string,
  ) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const [pattern, handler] of this.messageHandlers) {
        const subject = subjectByName(pattern);
        if (!subject) {
          throw new Error(`@MessagePattern('${pattern}') is not a subject of @lookalike/contracts`);
        }
        this.subscriptions.push(
          await this.bus.serve(subject.name, this.service, (message) =>
            this.dispatch(subject, handler, message),
          ),
        );
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.unsubscribe()));
  }

  on(): never {
    throw new Error('BusServer has no events');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private async dispatch(
    subject: SubjectDef<unknown, unknown>,
    handler: MessageHandler,
    message: BusMessage,
  ): Promise<BusMessage> {
    const requestId = acceptRequestId(message.headers[REQUEST_ID_HEADER]);
    const logger = PinoLogger.root.child({ service: this.service, request_id: requestId });
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    const reply = await storage.run(new Store(logger), () =>
      runWithRequestContext({ requestId }, () =>
        inSpan(
          `handle ${subject.name}`,
          SpanKind.SERVER,
          message.headers,
          { 'messaging.destination': subject.name },
          async () => {
            let request: unknown;
            try {
              request = subject.request.decode(message.data);
            } catch (cause) {
              throw new LookalikeError(ErrorCode.InvalidArgument, `undecodable ${subject.name} request`, {
                cause,
              });
            }
            const result = await lastValueFrom(this.transformToObservable(await handler(request)), {
              defaultValue: {},
            });
            return subject.response.encode(subject.response.fromPartial(result as never)).finish();
          },
        ),
      ).then(
        (data): BusMessage => ({ data, headers: { [REQUEST_ID_HEADER]: requestId } }),
        (error: unknown): BusMessage => {
          outcome = error instanceof LookalikeError ? error.code : ErrorCode.Internal;
          if (!(error instanceof LookalikeError) || outcome === ErrorCode.Internal) {
            logger.error({ err: error, subject: subject.name }, 'request failed');
          }
          return {
            data: new Uint8Array(),
            headers: { ...errorToHeaders(error), [REQUEST_ID_HEADER]: requestId },
          };
        },
      ),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.histogram.observe({ service: this.service, subject: subject.name, outcome }, seconds);
    logger.info({ subject: subject.name, outcome, duration_ms: Math.round(seconds * 1e4) / 10 }, 'handled');
    return reply;
  }
}
