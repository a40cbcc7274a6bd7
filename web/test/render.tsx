import { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { RouterProvider } from 'react-router';

import { AppProvider } from '@/app/provider';
import { createTestRouter } from '@/app/router';
import { clearSession, setSession } from '@/lib/auth-store';

export function renderApp(path: string, { signedIn = true }: { signedIn?: boolean } = {}) {
  if (signedIn)
    setSession({ accessToken: 'test-token', userId: 'reviewer', expiresAt: Date.now() + 3_600_000 });
  else clearSession();
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } },
  });
  const router = createTestRouter(path);
  const user = userEvent.setup();
  const utils = render(
    <AppProvider queryClient={queryClient}>
      <RouterProvider router={router} />
    </AppProvider>,
  );
  return { ...utils, user, router, queryClient };
}
