import { useMutation } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import { setSession } from '@/lib/auth-store';

export async function devLogin(userId: string) {
  const token = await unwrap(api.POST('/api/auth/dev-login', { body: { user_id: userId } }));
  setSession({
    accessToken: token.access_token,
    userId,
    expiresAt: Date.now() + token.expires_in * 1000,
  });
  return token;
}

export function useDevLogin() {
  return useMutation({ mutationFn: devLogin });
}
