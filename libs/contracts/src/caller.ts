import { LookalikeError } from './errors';
import type { Caller } from './generated/common/v1/common';

/**
 * The tenant and user a request acts for, as the gateway sets them (`caller`); a request without
 * a tenant is refused. The user defaults to the tenant (a service acting on its own behalf).
 */
export function requireCaller(caller: Caller | undefined): { ownerUserId: string; userId: string } {
  if (!caller?.ownerUserId) throw LookalikeError.invalid('caller.owner_user_id is required');
  return { ownerUserId: caller.ownerUserId, userId: caller.userId || caller.ownerUserId };
}
