import { Navigate, useNavigate, useSearchParams } from 'react-router';

import { LoginForm } from '@/features/auth/components/login-form';
import { useSession } from '@/lib/auth-store';

function safeNext(next: string | null): string {
  // Only same-site paths: an open redirect through ?next= would be a phishing aid. Without one the
  // user lands on their library.
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/images';
}

export function LoginRoute() {
  const session = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  if (session) return <Navigate to={next} replace />;
  return (
    <div className="flex min-h-screen items-center justify-center bg-muted/40 p-4">
      <LoginForm onSignedIn={() => void navigate(next, { replace: true })} />
    </div>
  );
}
