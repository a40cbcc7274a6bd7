import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import { ErrorCode, LookalikeError, type Caller } from '@lookalike/contracts';
import type { GatewayConfig } from '../gateway.config';
import type { AuthenticatedRequest } from './caller';

/**
 * Who is an admin: the users named in AUTH_ADMIN_USERS (docs/OPERATIONS.md "Admins"). An admin
 * acts on the tenant of their token, like every caller; the role only opens the routes that
 * change a tenant's settings.
 */
@Injectable()
export class Admins {
  private readonly users: ReadonlySet<string>;

  constructor(@Inject(APP_CONFIG) config: Pick<GatewayConfig, 'AUTH_ADMIN_USERS'>) {
    this.users = new Set(config.AUTH_ADMIN_USERS);
  }

  has(caller: Caller): boolean {
    return this.users.has(caller.userId);
  }
}

/** Runs after the global AuthGuard: the caller is verified; 403 unless they are an admin. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly admins: Admins) {}

  canActivate(context: ExecutionContext): boolean {
    const { caller } = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!caller) throw new LookalikeError(ErrorCode.Unauthenticated, 'authentication required');
    if (!this.admins.has(caller)) {
      throw new LookalikeError(ErrorCode.PermissionDenied, 'only an admin may change these settings', {
        details: { reason: 'not_admin' },
      });
    }
    return true;
  }
}

/** Marks a route for admins only. */
export const AdminOnly = () => applyDecorators(UseGuards(AdminGuard));
