import { ChevronLeftIcon, ChevronRightIcon, MaximizeIcon } from 'lucide-react';
import {
  createContext,
  lazy,
  Suspense,
  useCallback,
  useContext,
  useMemo,
  useRef,
  type ReactNode,
} from 'react';
import { ErrorBoundary } from 'react-error-boundary';
import { Link, useSearchParams } from 'react-router';

import { Button } from '@/components/ui/button';
import { Sheet, SheetContent, SheetDescription, SheetTitle } from '@/components/ui/sheet';
import { useHotkeys } from '@/lib/use-hotkeys';

import { PanelFallback } from './page-fallback';
import { LoadErrorAlert } from './route-error';

// The detail is most of the console's code that no list needs; it is fetched when a panel first opens.
const ImageDetail = lazy(() => import('./image-detail').then((module) => ({ default: module.ImageDetail })));

type OpenImage = (imageId: string, order?: string[]) => void;

const DetailPanelContext = createContext<OpenImage | null>(null);

/**
 * The detail panel opens over any list view. The open image lives in the URL (`?image=`), so the panel
 * survives a reload and the back button closes it; the list's order is kept for left/right navigation.
 */
export function DetailPanelProvider({ children }: { children: ReactNode }) {
  const [params, setParams] = useSearchParams();
  const order = useRef<string[]>([]);
  const imageId = params.get('image');

  const setImage = useCallback(
    (id: string | null, replace = false) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (id) next.set('image', id);
          else next.delete('image');
          return next;
        },
        { replace },
      ),
    [setParams],
  );

  const open = useCallback<OpenImage>(
    (id, nextOrder) => {
      if (nextOrder) order.current = nextOrder;
      setImage(id, imageId !== null);
    },
    [setImage, imageId],
  );

  const position = imageId ? order.current.indexOf(imageId) : -1;
  const step = (delta: number) => {
    const target = order.current[position + delta];
    if (position >= 0 && target) setImage(target, true);
  };

  useHotkeys({ ArrowLeft: () => step(-1), ArrowRight: () => step(1) }, imageId !== null);

  const value = useMemo(() => open, [open]);
  return (
    <DetailPanelContext.Provider value={value}>
      {children}
      <Sheet open={imageId !== null} onOpenChange={(isOpen) => !isOpen && setImage(null)}>
        <SheetContent aria-describedby={undefined} className="p-5">
          {imageId && (
            <>
              <div className="flex items-center gap-2 pr-8">
                <SheetTitle className="truncate font-mono text-sm">{imageId}</SheetTitle>
                <SheetDescription className="sr-only">Details of image {imageId}</SheetDescription>
                <div className="ml-auto flex items-center gap-1">
                  <Button
                    variant="ghost"
                    size="icon-sm"
                    aria-label="Previous image"
                    disabled={position <= 0}
                    onClick={() => step(-1)}
                  >
                    <ChevronLeftIcon />
                  </Button>
                  <span className="text-xs text-muted-foreground tabular-nums">
                    {position >= 0 ? `${position + 1} / ${order.current.length}` : ''}
                  </span>
                  <Button
                    variant="ghost"
                    size="icon-sm"
                    aria-label="Next image"
                    disabled={position < 0 || position >= order.current.length - 1}
                    onClick={() => step(1)}
                  >
                    <ChevronRightIcon />
                  </Button>
                  <Button variant="ghost" size="icon-sm" asChild aria-label="Open as a page">
                    <Link to={`/images/${encodeURIComponent(imageId)}`}>
                      <MaximizeIcon />
                    </Link>
                  </Button>
                </div>
              </div>
              <PanelBoundary imageId={imageId}>
                <ImageDetail imageId={imageId} onOpen={(id) => open(id)} />
              </PanelBoundary>
            </>
          )}
        </SheetContent>
      </Sheet>
    </DetailPanelContext.Provider>
  );
}

/**
 * Loading and failure states of the panel's content: a detail that fails (most often its chunk, gone
 * after a deploy) shows its error inside the panel and leaves the page around it alone; another image
 * starts afresh.
 */
export function PanelBoundary({ imageId, children }: { imageId: string; children: ReactNode }) {
  return (
    <ErrorBoundary
      resetKeys={[imageId]}
      fallbackRender={({ error }) => <LoadErrorAlert error={error} what="image detail" />}
    >
      <Suspense fallback={<PanelFallback />}>{children}</Suspense>
    </ErrorBoundary>
  );
}

export function useOpenImage(): OpenImage {
  const open = useContext(DetailPanelContext);
  if (!open) throw new Error('useOpenImage must be used inside DetailPanelProvider');
  return open;
}
