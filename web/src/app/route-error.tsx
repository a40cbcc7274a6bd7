import { AlertTriangleIcon, RotateCwIcon } from 'lucide-react';
import { useRouteError } from 'react-router';

import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';

// What the browsers say when a dynamic import fails: Chromium, Firefox, Safari, and Vite's preload helper.
const chunkLoadFailure =
  /Failed to fetch dynamically imported module|error loading dynamically imported module|Importing a module script failed|Unable to preload CSS/i;

export function isChunkLoadError(error: unknown): boolean {
  return error instanceof Error && chunkLoadFailure.test(error.message);
}

/**
 * The alert shown where a piece of the console failed: a chunk that cannot be fetched (most often: the
 * console was redeployed and the old chunk is gone) needs a reload to pick up the new build; any other
 * error is shown with the same way out.
 */
export function LoadErrorAlert({
  error,
  fullPage = false,
  what = 'page',
}: {
  error: unknown;
  fullPage?: boolean;
  /** What failed, as the title names it: "This page could not be loaded". */
  what?: string;
}) {
  const chunk = isChunkLoadError(error);
  return (
    <div
      className={cn(fullPage && 'flex min-h-screen items-center justify-center bg-muted/40 p-4')}
      data-testid="route-error"
    >
      <Alert variant="destructive" className={cn(fullPage && 'max-w-md')}>
        <AlertTriangleIcon />
        <AlertTitle>{chunk ? `This ${what} could not be loaded` : 'Something went wrong'}</AlertTitle>
        <AlertDescription>
          <p>
            {chunk
              ? 'The console may have been updated since you opened it, or the connection dropped. Reload to get the current version.'
              : error instanceof Error
                ? error.message
                : `The ${what} failed to render.`}
          </p>
          <Button size="sm" variant="outline" className="mt-2" onClick={() => window.location.reload()}>
            <RotateCwIcon /> Reload
          </Button>
        </AlertDescription>
      </Alert>
    </div>
  );
}

/** The error element of the console's routes. */
export function RouteError({ fullPage = false }: { fullPage?: boolean }) {
  return <LoadErrorAlert error={useRouteError()} fullPage={fullPage} />;
}
