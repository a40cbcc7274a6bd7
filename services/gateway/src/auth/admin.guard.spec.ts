import type { ExecutionContext } from '@nestjs/common';
import { loadConfig } from '@lookalike/config';
import { ErrorCode } from '@lookalike/contracts';
import { gatewayEnvSchema } from '../gateway.config';
import { AdminGuard, Admins } from './admin.guard';

function context(caller?: { ownerUserId: string; userId: string }): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => ({ caller }) }) } as unknown as ExecutionContext;
}

describe('AdminGuard', () => {
  const config = (users: string) =>
    loadConfig(gatewayEnvSchema, { AUTH_DEV_LOGIN: 'true', AUTH_ADMIN_USERS: users });

  it('lets the users of AUTH_ADMIN_USERS through, on the tenant of their token', () => {
    const sut = new AdminGuard(new Admins(config(' alice , ops@example.org')));
    expect(sut.canActivate(context({ ownerUserId: 'team', userId: 'alice' }))).toBe(true);
    expect(sut.canActivate(context({ ownerUserId: 'ops@example.org', userId: 'ops@example.org' }))).toBe(
      true,
    );
  });

  it('answers permission_denied to everybody else, and to all when the list is empty', () => {
    expect(() =>
      new AdminGuard(new Admins(config('alice'))).canActivate(context({ ownerUserId: 'bob', userId: 'bob' })),
    ).toThrow(expect.objectContaining({ code: ErrorCode.PermissionDenied }));
    expect(() =>
      new AdminGuard(new Admins(config(''))).canActivate(context({ ownerUserId: 'alice', userId: 'alice' })),
    ).toThrow(expect.objectContaining({ code: ErrorCode.PermissionDenied }));
    expect(() => new AdminGuard(new Admins(config('alice'))).canActivate(context())).toThrow(
      expect.objectContaining({ code: ErrorCode.Unauthenticated }),
    );
  });

  it('refuses a malformed AUTH_ADMIN_USERS at start, naming the variable', () => {
    expect(() => config('alice,bob smith')).toThrow(/AUTH_ADMIN_USERS/);
  });
});
