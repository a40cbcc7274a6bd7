import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Caller } from '@lookalike/contracts';
import { PUBLIC_ROUTE, PublicRoute } from '@lookalike/observability';

export type { Caller };

export interface AuthenticatedRequest {
  caller?: Caller;
}

export const IS_PUBLIC = PUBLIC_ROUTE;

/** Marks a route that needs no token (health, docs, dev login, signed object URLs). */
export const Public = PublicRoute;

/** The verified caller; the tenant comes from the token, never from the request body. */
export const CurrentCaller = createParamDecorator((_data: unknown, ctx: ExecutionContext): Caller => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.caller) {
    throw new Error('CurrentCaller used on a route without authentication');
  }
  return request.caller;
});
