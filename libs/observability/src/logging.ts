import { DynamicModule } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import pino from 'pino';
import PinoPretty from 'pino-pretty';
import { acceptRequestId, REQUEST_ID_HEADER, runWithRequestContext } from './request-context';

export interface LoggingOptions {
  service: string;
  level: string;
  pretty: boolean;
}

export type LogFormat = 'auto' | 'pretty' | 'json';

/**
 * Whether to print readable lines: LOG_FORMAT says so, or (auto) standard output is a terminal or
 * the older LOG_PRETTY asks for it. Files, pipes and containers get JSON.
 */
export function prettyLogs(config: { LOG_FORMAT: LogFormat; LOG_PRETTY: boolean }, isTty: boolean): boolean {
  if (config.LOG_FORMAT !== 'auto') return config.LOG_FORMAT === 'pretty';
  return config.LOG_PRETTY || isTty;
}

let prettyDestination: pino.DestinationStream | undefined;

/**
 * One pino-pretty stream per thread, shared by every logger of it: formatting happens in this
 * thread (no transport worker per logger) and lines leave in order, synchronously.
 */
function prettyStream(): pino.DestinationStream {
  prettyDestination ??= PinoPretty({
    singleLine: true,
    colorize: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,name,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
  return prettyDestination;
}

/**
 * Structured JSON logs (nestjs-pino) with the request id on every line, or the same entries as
 * readable lines when `pretty`. The id is taken from `x-request-id` when valid, returned in the
 * response header and carried across the transport.
 */
export function createLoggerModule(options: LoggingOptions): DynamicModule {
  const stream = options.pretty ? prettyStream() : undefined;
  // The root logger comes from the HTTP middleware of an HTTP app; a thread that hosts only
  // transport-served modules (the embedded main thread when the gateway has a thread of its own)
  // has none, so it gets one with the same settings.
  if (!PinoLogger.root) {
    const rootOptions = { name: options.service, level: options.level, base: { service: options.service } };
    (PinoLogger as { root: pino.Logger }).root = stream ? pino(rootOptions, stream) : pino(rootOptions);
  }
  const httpOptions: PinoHttpOptions = {
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
  };
  return LoggerModule.forRoot({
    pinoHttp: stream ? [httpOptions, stream] : httpOptions,
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
