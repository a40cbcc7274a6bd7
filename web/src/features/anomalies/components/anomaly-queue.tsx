import { CheckIcon, CopyIcon, EyeIcon, ShieldCheckIcon, TriangleAlertIcon } from 'lucide-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { toast } from 'sonner';

import { useImage } from '@/api/get-image';
import type { AnomalyItem, AnomalyReviewRequest } from '@/api/types';
import { EmptyState } from '@/components/empty-state';
import { FeedbackButtons } from '@/components/feedback-buttons';
import { ImageThumb } from '@/components/image-thumb';
import { Kbd } from '@/components/kbd';
import { ProblemAlert } from '@/components/problem-alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent } from '@/components/ui/card';
import { Label } from '@/components/ui/label';
import { NativeSelect } from '@/components/ui/native-select';
import { Skeleton } from '@/components/ui/skeleton';
import { formatScore, qualityFlagLabels } from '@/lib/format';
import { describeProblem } from '@/lib/problem';
import { useHotkeys } from '@/lib/use-hotkeys';
import { cn } from '@/lib/utils';

import { useAnomalyQueue, type AnomalyMethod } from '../api/list-anomalies';
import { useReviewAnomaly } from '../api/review-anomaly';

const methods: { value: AnomalyMethod; label: string }[] = [
  { value: 'combined', label: 'Combined score' },
  { value: 'dnn', label: 'Deep features (kNN distance)' },
  { value: 'density', label: 'Density (LOF)' },
  { value: 'ood', label: 'Out of distribution' },
  { value: 'quality', label: 'Image quality' },
];

type Verdict = AnomalyReviewRequest['verdict'];

const verdicts: {
  verdict: Verdict;
  label: string;
  key: string;
  icon: typeof CheckIcon;
  variant: 'default' | 'outline' | 'destructive';
}[] = [
  { verdict: 'ok', label: 'OK', key: 'o', icon: ShieldCheckIcon, variant: 'outline' },
  { verdict: 'anomaly', label: 'Anomaly', key: 'a', icon: TriangleAlertIcon, variant: 'destructive' },
  { verdict: 'duplicate', label: 'Duplicate', key: 'd', icon: CopyIcon, variant: 'outline' },
];

function ScoreBar({ label, value }: { label: string; value: number | undefined }) {
  const v = typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.min(1, value)) : 0;
  return (
    <div className="grid grid-cols-[6rem_1fr_3rem] items-center gap-2 text-xs">
      <span className="text-muted-foreground">{label}</span>
      <div className="h-2 overflow-hidden rounded-full bg-muted">
        <div
          className={cn(
            'h-full rounded-full',
            v > 0.75 ? 'bg-destructive' : v > 0.5 ? 'bg-warning' : 'bg-primary',
          )}
          style={{ width: `${v * 100}%` }}
        />
      </div>
      <span className="text-right font-mono">{formatScore(value, 2)}</span>
    </div>
  );
}

export function AnomalyQueue({ onOpenImage }: { onOpenImage: (imageId: string, order: string[]) => void }) {
  const [method, setMethod] = useState<AnomalyMethod>('combined');
  const queue = useAnomalyQueue(method);
  const items = useMemo(() => queue.data?.pages.flatMap((p) => p.items) ?? [], [queue.data]);
  const [index, setIndex] = useState(0);
  const current: AnomalyItem | undefined = items[Math.min(index, Math.max(0, items.length - 1))];
  const review = useReviewAnomaly();
  const listRef = useRef<HTMLOListElement>(null);
  const record = useImage(current?.image_id);

  useEffect(() => setIndex(0), [method]);
  useEffect(() => {
    if (index >= items.length && items.length > 0) setIndex(items.length - 1);
    if (queue.hasNextPage && !queue.isFetchingNextPage && index >= items.length - 5)
      void queue.fetchNextPage();
  }, [index, items.length, queue]);
  useEffect(() => {
    listRef.current
      ?.querySelector<HTMLElement>(`[data-queue-index="${index}"]`)
      ?.scrollIntoView?.({ block: 'nearest' });
  }, [index]);

  const decide = (verdict: Verdict) => {
    if (!current) return;
    const item = current;
    review.mutate(
      { imageId: item.image_id, review: { verdict } },
      {
        onSuccess: () => toast.success(`Marked ${verdict}`, { description: item.image_id }),
        onError: (error) =>
          toast.error('The verdict was not saved; the image is back in the queue', describeProblem(error)),
      },
    );
  };

  const move = (delta: number) => setIndex((i) => Math.max(0, Math.min(items.length - 1, i + delta)));
  useHotkeys({
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    o: () => decide('ok'),
    a: () => decide('anomaly'),
    d: () => decide('duplicate'),
    Enter: () =>
      current &&
      onOpenImage(
        current.image_id,
        items.map((i) => i.image_id),
      ),
  });

  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-center gap-3">
        <Label htmlFor="anomaly-method">Sort by</Label>
        <NativeSelect
          id="anomaly-method"
          value={method}
          onChange={(e) => setMethod(e.target.value as AnomalyMethod)}
        >
          {methods.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
        </NativeSelect>
        <p className="ml-auto text-xs text-muted-foreground">
          <Kbd>j</Kbd>/<Kbd>k</Kbd> move · <Kbd>o</Kbd> ok · <Kbd>a</Kbd> anomaly · <Kbd>d</Kbd> duplicate ·{' '}
          <Kbd>Enter</Kbd> details
        </p>
      </div>

      {queue.isPending ? (
        <div className="grid gap-3 md:grid-cols-[18rem_1fr]">
          <Skeleton className="h-96" />
          <Skeleton className="h-96" />
        </div>
      ) : queue.isError ? (
        <ProblemAlert error={queue.error} />
      ) : items.length === 0 || !current ? (
        <EmptyState icon={ShieldCheckIcon} title="The review queue is empty">
          No open anomalies for this method. New uploads are scored as they arrive; try another sorting method
          or come back after the next batch.
        </EmptyState>
      ) : (
        <div className="grid gap-4 md:grid-cols-[18rem_minmax(0,1fr)]">
          <ol
            ref={listRef}
            className="grid max-h-[calc(100vh-14rem)] content-start gap-1 overflow-y-auto pr-1"
            aria-label="Anomaly queue"
          >
            {items.map((item, i) => (
              <li key={item.image_id} data-queue-index={i}>
                <button
                  type="button"
                  onClick={() => setIndex(i)}
                  aria-current={i === index ? 'true' : undefined}
                  className={cn(
                    'flex w-full items-center gap-3 rounded-md border p-1.5 text-left text-sm',
                    i === index ? 'border-primary bg-accent' : 'border-transparent hover:bg-muted',
                  )}
                >
                  <ImageThumb
                    imageId={item.image_id}
                    src={item.thumbnail_url || undefined}
                    className="size-12 shrink-0 rounded"
                  />
                  <span className="min-w-0 flex-1">
                    <span className="block truncate font-mono text-xs">{item.image_id}</span>
                    <span className="text-xs text-muted-foreground">score {formatScore(item.score, 2)}</span>
                  </span>
                </button>
              </li>
            ))}
          </ol>

          <Card className="gap-4" data-testid="anomaly-current">
            <CardContent className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_18rem]">
              <button
                type="button"
                className="flex aspect-[4/3] items-center justify-center overflow-hidden rounded-lg bg-muted"
                onClick={() =>
                  onOpenImage(
                    current.image_id,
                    items.map((i) => i.image_id),
                  )
                }
                aria-label="Open details"
              >
                {record.data?.preview_url || current.thumbnail_url ? (
                  <img
                    src={record.data?.preview_url || current.thumbnail_url}
                    alt={`Image ${current.image_id}`}
                    className="max-h-full max-w-full object-contain"
                  />
                ) : (
                  <Skeleton className="size-full" />
                )}
              </button>
              <div className="grid content-start gap-4">
                <div className="grid gap-1">
                  <div className="text-xs text-muted-foreground">
                    {index + 1} of {items.length}
                    {queue.hasNextPage ? '+' : ''}
                  </div>
                  <div className="truncate font-mono text-sm">{current.image_id}</div>
                  <div className="text-2xl font-semibold" data-testid="anomaly-score">
                    {formatScore(current.score, 2)}
                  </div>
                </div>
                <div className="grid gap-1.5" aria-label="Score components">
                  <ScoreBar label="Deep features" value={current.components?.dnn} />
                  <ScoreBar label="Density" value={current.components?.density} />
                  <ScoreBar label="OOD" value={current.components?.ood} />
                  <ScoreBar label="Quality" value={current.components?.quality} />
                </div>
                {(current.quality_flags?.length ?? 0) > 0 && (
                  <div className="flex flex-wrap gap-1">
                    {current.quality_flags.map((f) => (
                      <Badge key={f} variant="secondary">
                        {qualityFlagLabels[f] ?? f}
                      </Badge>
                    ))}
                  </div>
                )}
                <div className="grid gap-2">
                  <span className="text-sm font-medium">Verdict</span>
                  <div className="flex flex-wrap gap-1.5">
                    {verdicts.map(({ verdict, label, key, icon: Icon, variant }) => (
                      <Button key={verdict} size="sm" variant={variant} onClick={() => decide(verdict)}>
                        <Icon /> {label} <Kbd>{key}</Kbd>
                      </Button>
                    ))}
                  </div>
                </div>
                <div className="grid gap-2">
                  <span className="text-sm font-medium">Feedback</span>
                  <FeedbackButtons imageId={current.image_id} />
                </div>
                <Button
                  variant="link"
                  className="justify-start px-0"
                  onClick={() =>
                    onOpenImage(
                      current.image_id,
                      items.map((i) => i.image_id),
                    )
                  }
                >
                  <EyeIcon /> Open details
                </Button>
              </div>
            </CardContent>
          </Card>
        </div>
      )}
    </div>
  );
}
