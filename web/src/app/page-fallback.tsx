import { Skeleton } from '@/components/ui/skeleton';
import { cn } from '@/lib/utils';

/**
 * What a page shows while its code loads: the outline of a page header and its content, so the page
 * that replaces it does not move the layout. Announced once to assistive technology as busy.
 */
export function PageFallback({ className }: { className?: string }) {
  return (
    <div
      role="status"
      aria-busy="true"
      aria-live="polite"
      data-testid="page-fallback"
      className={cn('grid gap-6', className)}
    >
      <span className="sr-only">Loading page…</span>
      <div className="grid gap-1" aria-hidden="true">
        {/* The heights of PageHeader's title (text-2xl) and description (text-sm) lines. */}
        <Skeleton className="h-8 w-48" />
        <Skeleton className="h-5 w-full max-w-md" />
      </div>
      <Skeleton aria-hidden="true" className="h-64 w-full rounded-xl" />
    </div>
  );
}

/** The fallback of a page that has no shell around it (the login page): a card-sized outline, centred. */
export function FullPageFallback() {
  return (
    <div className="flex min-h-screen items-center justify-center bg-muted/40 p-4">
      <div role="status" aria-busy="true" aria-live="polite" data-testid="page-fallback">
        <span className="sr-only">Loading page…</span>
        <Skeleton aria-hidden="true" className="h-80 w-[min(28rem,calc(100vw-2rem))] rounded-xl" />
      </div>
    </div>
  );
}

/** The fallback of the image detail inside the side panel: the preview's outline. */
export function PanelFallback() {
  return (
    <div role="status" aria-busy="true" aria-live="polite" data-testid="page-fallback" className="grid gap-5">
      <span className="sr-only">Loading image details…</span>
      <Skeleton aria-hidden="true" className="aspect-[4/3] w-full rounded-lg" />
      <Skeleton aria-hidden="true" className="h-24 w-full" />
    </div>
  );
}
