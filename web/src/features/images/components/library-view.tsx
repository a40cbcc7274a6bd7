import { useQueryClient } from '@tanstack/react-query';
import { ImagesIcon, SparklesIcon, UploadIcon } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';

import { isJobFinished, useJob } from '@/api/get-job';
import type { Job } from '@/api/types';
import { EmptyState } from '@/components/empty-state';
import { ImageGrid } from '@/components/image-grid';
import { ProblemAlert } from '@/components/problem-alert';
import { Button } from '@/components/ui/button';
import { Progress } from '@/components/ui/progress';
import { Skeleton } from '@/components/ui/skeleton';
import { ApiError } from '@/lib/problem';

import { imageListKey, useImages } from '../api/list-images';
import { useLoadSampleImages } from '../api/load-sample-images';

/** The caller's images, newest first; an empty library offers the sample images. */
export function LibraryView({ onOpenImage }: { onOpenImage: (imageId: string, order: string[]) => void }) {
  const queryClient = useQueryClient();
  const loadSamples = useLoadSampleImages();
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJob(jobId);
  // While the samples arrive the grid fills in as they are indexed.
  const images = useImages({ refetchInterval: jobId ? 2000 : false });

  useEffect(() => {
    if (!jobId || !isJobFinished(job.data)) return;
    const finished = job.data!;
    if (finished.state === 'succeeded') {
      const failed = finished.failures?.length ?? 0;
      toast.success(`Sample images loaded: ${finished.done - failed} of ${finished.total}`, {
        description: failed > 0 ? `${failed} could not be ingested.` : undefined,
      });
    } else {
      toast.error('Loading the sample images failed', { description: finished.error || undefined });
    }
    setJobId(null);
    void queryClient.invalidateQueries({ queryKey: imageListKey });
  }, [jobId, job.data, queryClient]);

  const startSamples = () =>
    loadSamples.mutate(undefined, {
      onSuccess: (ref) => setJobId(ref.job_id),
      // Someone filled the library meanwhile (another tab): show it.
      onError: (error) => {
        if (error instanceof ApiError && error.status === 409)
          void queryClient.invalidateQueries({ queryKey: imageListKey });
      },
    });

  if (images.isPending)
    return (
      <div className="grid grid-cols-[repeat(auto-fill,minmax(10rem,1fr))] gap-3" aria-busy="true">
        {Array.from({ length: 12 }, (_, i) => (
          <Skeleton key={i} className="aspect-square w-full rounded-lg" />
        ))}
      </div>
    );
  if (images.isError)
    return (
      <ProblemAlert
        error={images.error}
        action={
          <Button variant="outline" size="sm" className="mt-2" onClick={() => void images.refetch()}>
            Try again
          </Button>
        }
      />
    );

  const all = images.data.pages.flatMap((page) => page.images);
  const progress = jobId ? <SampleProgress job={job.data} /> : null;

  if (all.length === 0 && !jobId) {
    // 501: this server has no samples; the offer would only fail again.
    const unavailable = loadSamples.error instanceof ApiError && loadSamples.error.status === 501;
    return (
      <EmptyState
        icon={ImagesIcon}
        title="Your library is empty"
        action={
          <div className="grid justify-items-center gap-3">
            <div className="flex flex-wrap justify-center gap-2">
              {!unavailable && (
                <Button onClick={startSamples} disabled={loadSamples.isPending}>
                  <SparklesIcon /> {loadSamples.isPending ? 'Starting…' : 'Load sample images'}
                </Button>
              )}
              <Button variant={unavailable ? 'default' : 'outline'} asChild>
                <Link to="/upload">
                  <UploadIcon /> Upload images
                </Link>
              </Button>
            </div>
            {loadSamples.error && (
              <div className="text-left">
                <ProblemAlert error={loadSamples.error} />
              </div>
            )}
          </div>
        }
      >
        Upload your own images, or load the sample set: photographs with re-encoded, mirrored and darkened
        copies, so duplicate review, search and the anomaly queue have something to show at once.
      </EmptyState>
    );
  }

  return (
    <div className="grid gap-3">
      {progress}
      {all.length > 0 && (
        <div className="flex items-center gap-2 text-sm text-muted-foreground">
          <span data-testid="library-count">
            {all.length}
            {images.hasNextPage ? '+' : ''} image{all.length === 1 ? '' : 's'}
          </span>
          <span className="ml-auto hidden md:inline">Arrow keys move, Enter opens</span>
        </div>
      )}
      {all.length > 0 && (
        <ImageGrid
          label="Library"
          items={all.map((image) => ({
            imageId: image.image_id,
            thumbnailUrl: image.thumbnail_url,
            caption: image.payload.tags.length > 0 ? image.payload.tags.join(', ') : undefined,
          }))}
          hasMore={images.hasNextPage}
          loadingMore={images.isFetchingNextPage}
          onLoadMore={() => void images.fetchNextPage()}
          onOpen={(index) => {
            const image = all[index];
            if (image)
              onOpenImage(
                image.image_id,
                all.map((i) => i.image_id),
              );
          }}
        />
      )}
    </div>
  );
}

function SampleProgress({ job }: { job: Job | undefined }) {
  const total = job?.total ?? 0;
  const done = job?.done ?? 0;
  const percent = total > 0 ? Math.round((done / total) * 100) : 0;
  return (
    <div
      className="grid gap-2 rounded-xl border bg-card px-4 py-3"
      role="status"
      data-testid="sample-progress"
    >
      <div className="flex items-center gap-2 text-sm">
        <SparklesIcon className="size-4 text-muted-foreground" />
        <span className="font-medium">Loading sample images</span>
        <span className="ml-auto text-muted-foreground">
          {total > 0 ? `${done} of ${total} indexed` : 'Starting…'}
        </span>
      </div>
      <Progress value={percent} aria-label="Sample images loaded" />
    </div>
  );
}
