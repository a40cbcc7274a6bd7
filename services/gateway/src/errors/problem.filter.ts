import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { ErrorCode } from '@lookalike/contracts';
import { currentRequestId } from '@lookalike/observability';
import type { Request, Response } from 'express';
import { toProblem } from './problem.mapper';

/** Every error leaves the gateway as application/problem+json with a stable `type`. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request & { id?: string }>();
    const requestId = currentRequestId() ?? (typeof request.id === 'string' ? request.id : undefined);
    const { problem, retryAfterSeconds } = toProblem(exception, requestId);
    if (problem.code === ErrorCode.Internal) {
      this.logger.error({ err: exception, path: request.url }, 'unexpected error');
    }
    if (retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterSeconds))));
    }
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}
