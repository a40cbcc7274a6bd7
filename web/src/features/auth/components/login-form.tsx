import { KeyRoundIcon, LogInIcon } from 'lucide-react';
import { useState, type FormEvent } from 'react';

import { ProblemAlert } from '@/components/problem-alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { Textarea } from '@/components/ui/textarea';
import { expiryOfToken, setSession, subjectOfToken } from '@/lib/auth-store';
import { ApiError } from '@/lib/problem';

import { useDevLogin } from '../api/dev-login';
import { useConfig } from '../api/get-config';

/** Suggested when the server names nobody (or its configuration cannot be read). */
const FALLBACK_USER = 'reviewer';

export function LoginForm({ onSignedIn }: { onSignedIn: () => void }) {
  const devLogin = useDevLogin();
  const config = useConfig();
  // What the user typed; until then the server's suggestion (the embedded mode's sample library).
  const [typedUserId, setTypedUserId] = useState<string | null>(null);
  const suggested = config.data?.suggested_user_id;
  const userId = typedUserId ?? (config.isPending ? '' : (suggested ?? FALLBACK_USER));
  const [token, setToken] = useState('');
  const [tokenError, setTokenError] = useState<string | null>(null);
  // The server says dev login is off, or (an older gateway) answers it 404/403: only a pasted token works.
  const devLoginDisabled =
    config.data?.dev_login === false ||
    (devLogin.error instanceof ApiError && (devLogin.error.status === 404 || devLogin.error.status === 403));
  const [tab, setTab] = useState('dev');
  const activeTab = devLoginDisabled ? 'token' : tab;

  const submitDev = (event: FormEvent) => {
    event.preventDefault();
    devLogin.mutate(userId.trim(), { onSuccess: onSignedIn });
  };

  const submitToken = (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim().replace(/^Bearer\s+/i, '');
    if (value.split('.').length !== 3) {
      setTokenError('That does not look like a JWT (three base64url parts separated by dots).');
      return;
    }
    const expiresAt = expiryOfToken(value);
    if (expiresAt !== null && expiresAt <= Date.now()) {
      setTokenError('This token has expired. Ask your identity provider for a fresh one.');
      return;
    }
    setSession({ accessToken: value, userId: subjectOfToken(value), expiresAt });
    onSignedIn();
  };

  return (
    <Card className="w-full max-w-md">
      <CardHeader>
        <CardTitle className="text-xl">Sign in to Lookalike</CardTitle>
        <CardDescription>
          Find duplicates, search by image or text, and review the odd ones out.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <Tabs value={activeTab} onValueChange={setTab}>
          <TabsList className="w-full">
            <TabsTrigger value="dev" disabled={devLoginDisabled}>
              <LogInIcon /> Dev login
            </TabsTrigger>
            <TabsTrigger value="token">
              <KeyRoundIcon /> Paste a token
            </TabsTrigger>
          </TabsList>
          <TabsContent value="dev">
            <form className="grid gap-4" onSubmit={submitDev}>
              <div className="grid gap-2">
                <Label htmlFor="user-id">User id</Label>
                <Input
                  id="user-id"
                  value={userId}
                  autoComplete="username"
                  autoFocus
                  required
                  onChange={(e) => setTypedUserId(e.target.value)}
                />
                <p className="text-xs text-muted-foreground">
                  Development sign-in: the gateway issues a token for any user id. Each user id is its own
                  tenant.
                  {suggested && (
                    <>
                      {' '}
                      <span data-testid="suggested-user">
                        This server suggests <span className="font-mono">{suggested}</span>
                        {config.data?.run_mode === 'embedded'
                          ? ', whose library holds the sample images.'
                          : '.'}
                      </span>
                    </>
                  )}
                </p>
              </div>
              {devLogin.error && <ProblemAlert error={devLogin.error} />}
              <Button type="submit" disabled={devLogin.isPending || userId.trim() === ''}>
                {devLogin.isPending ? 'Signing in…' : 'Sign in'}
              </Button>
            </form>
          </TabsContent>
          <TabsContent value="token">
            <form className="grid gap-4" onSubmit={submitToken}>
              {devLoginDisabled && (
                <p className="text-sm text-muted-foreground">
                  Dev login is turned off on this server. Paste an access token from your identity provider.
                </p>
              )}
              <div className="grid gap-2">
                <Label htmlFor="token">Access token</Label>
                <Textarea
                  id="token"
                  value={token}
                  rows={5}
                  className="font-mono text-xs"
                  placeholder="eyJhbGciOi…"
                  onChange={(e) => {
                    setToken(e.target.value);
                    setTokenError(null);
                  }}
                />
                {tokenError && (
                  <p role="alert" className="text-sm text-destructive">
                    {tokenError}
                  </p>
                )}
              </div>
              <Button type="submit" disabled={token.trim() === ''}>
                Use this token
              </Button>
            </form>
          </TabsContent>
        </Tabs>
      </CardContent>
    </Card>
  );
}
