import { DynamicModule } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import pino from 'pino';
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
  const transport = options.pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined;
  // The root logger comes from the HTTP middleware of an HTTP app; a thread that hosts only
  // transport-served modules (the embedded main thread when the gateway has a thread of its own)
  // has none, so it gets one with the same settings.
  if (!PinoLogger.root) {
    (PinoLogger as { root: pino.Logger }).root = pino({
      name: options.service,
      level: options.level,
      base: { service: options.service },
      transport,
    });
  }
  return LoggerModule.forRoot({
    pinoHttp: {
      name: options.service,
      level: options.level,
      base: { service: options.service },
      genReqId: (req: IncomingMessage & { id?: unknown }, res: ServerResponse) => {
        const id = typeof req.id === 'string' ? req.id : acceptRequestId(req.headers[REQUEST_ID_HEADER]);
        res.setHeader(REQUEST_ID_HEADER, id);
        return id;
      },
      customProps: (req: IncomingMessage & { id?: unknown }) => ({ request_id: req.id }),
      autoLogging: { ignore: (req: IncomingMessage) => isProbe(req.url) },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
        error || res.statusCode >= 500 ? 'warn' : 'info',
      customErrorObject: (
        _req: IncomingMessage,
        _res: ServerResponse,
        _error: Error,
        value: Record<string, unknown>,
      ) => {
        const { err: _err, ...rest } = value;
        return rest;
      },
      transport,
    },
    forRoutes: ['*path'],
  });
}

function isProbe(url: string | undefined): boolean {
  return url === '/healthz' || url === '/readyz' || url === '/metrics';
}

/**
 * First middleware of an HTTP app: settles the request id (the caller's `x-request-id` when
 * valid), echoes it in the response and makes it visible to everything below, the RPC client
 * included, so it crosses the transport.
 */
export function requestContextMiddleware(
  req: IncomingMessage & { id?: unknown },
  res: ServerResponse,
  next: () => void,
): void {
  const requestId = acceptRequestId(req.headers[REQUEST_ID_HEADER]);
  req.id = requestId;
  res.setHeader(REQUEST_ID_HEADER, requestId);
  runWithRequestContext({ requestId }, next);
}
