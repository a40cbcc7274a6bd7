import { DynamicModule } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { acceptRequestId, REQUEST_ID_HEADER, runWithRequestContext } from './request-context';

export interface LoggingOptions {
  service: string;
  level: string;
  pretty: boolean;
}

/**
 * Structured JSON logs (nestjs-pino) with the request id on every line. The id is taken from
 * `x-request-id` when valid, returned in the response header and carried across the transport.
 */
export function createLoggerModule(options: LoggingOptions): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      name: options.service,
      level: options.level,
      base: { service: options.service },
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const id = acceptRequestId(req.headers[REQUEST_ID_HEADER]);
        res.setHeader(REQUEST_ID_HEADER, id);
        return id;
      },
      customAttributeKeys: { reqId: 'request_id' },
      autoLogging: { ignore: (req: IncomingMessage) => isProbe(req.url) },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ method: req.method, url: req.url }),
      },
      transport: options.pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    },
    forRoutes: ['*path'],
  });
}

function isProbe(url: string | undefined): boolean {
  return url === '/healthz' || url === '/readyz' || url === '/metrics';
}

/** Express middleware that exposes pino-http's request id to code running below it. */
export function requestContextMiddleware(
  req: IncomingMessage & { id?: unknown },
  _res: ServerResponse,
  next: () => void,
): void {
  runWithRequestContext({ requestId: acceptRequestId(req.id) }, next);
}
