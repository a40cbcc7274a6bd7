import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';
import { JobAccepted } from '../dtos/common.dto';

/**
 * For routes that answer inline or, for large work, with a job: a JobAccepted result is sent as
 * 202 with `Location: /api/jobs/{id}` and the job reference as body; anything else keeps the
 * route's status.
 */
@Injectable()
export class JobAcceptedInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((result: unknown) => {
        if (!(result instanceof JobAccepted)) return result;
        context.switchToHttp().getResponse<Response>().status(202).location(result.job.status_url);
        return result.job;
      }),
    );
  }
}
