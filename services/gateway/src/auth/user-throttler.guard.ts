import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthenticatedRequest } from './caller';

/** Rate limits per user (the token subject) rather than per address. */
@Injectable()
export class UserThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: AuthenticatedRequest & { ip?: string }): Promise<string> {
    return request.caller ? `user:${request.caller.userId}` : `ip:${request.ip ?? 'unknown'}`;
  }

  /** Per route and user, as the library's key, without hashing it (a sha256 per request). */
  protected override generateKey(context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${context.getClass().name}.${context.getHandler().name}:${tracker}:${throttlerName}`;
  }
}
