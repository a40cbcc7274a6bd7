import { useSyncExternalStore } from 'react';

export interface Session {
  accessToken: string;
  userId: string | null;
  /** Epoch milliseconds, or null when the token's lifetime is unknown (a pasted token). */
  expiresAt: number | null;
}

const storageKey = 'lookalike.session';
const listeners = new Set<() => void>();
let current: Session | null = read();

function read(): Session | null {
  try {
    const raw = localStorage.getItem(storageKey);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.accessToken !== 'string' || parsed.accessToken === '') return null;
    const session: Session = {
      accessToken: parsed.accessToken,
      userId: typeof parsed.userId === 'string' ? parsed.userId : null,
      expiresAt: typeof parsed.expiresAt === 'number' ? parsed.expiresAt : null,
    };
    return isExpired(session) ? null : session;
  } catch {
    return null;
  }
}

function isExpired(session: Session): boolean {
  return session.expiresAt !== null && session.expiresAt <= Date.now();
}

function emit(): void {
  for (const listener of listeners) listener();
}

export function getSession(): Session | null {
  if (current && isExpired(current)) clearSession();
  return current;
}

export function setSession(session: Session): void {
  current = session;
  try {
    localStorage.setItem(storageKey, JSON.stringify(session));
  } catch {
    // A private window may refuse storage; the session then lasts as long as the tab.
  }
  emit();
}

export function clearSession(): void {
  if (current === null) return;
  current = null;
  try {
    localStorage.removeItem(storageKey);
  } catch {
    // Nothing stored, nothing to remove.
  }
  emit();
}

/** Reads a JWT's `sub` without verifying it: only to label the pasted token in the header. */
export function subjectOfToken(token: string): string | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { sub?: unknown; exp?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : null;
  } catch {
    return null;
  }
}

export function expiryOfToken(token: string): number | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const claims = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, getSession, getSession);
}
