import { FilmIcon, ImageIcon, SearchIcon, SearchXIcon, TypeIcon, UploadIcon, XIcon } from 'lucide-react';
import { useMemo, useState, type FormEvent } from 'react';
import { useDropzone } from 'react-dropzone';
import { useSearchParams } from 'react-router';

import { useModels } from '@/api/get-models';
import { EmptyState } from '@/components/empty-state';
import { ImageGrid } from '@/components/image-grid';
import { ProblemAlert } from '@/components/problem-alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Skeleton } from '@/components/ui/skeleton';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { formatDuration, formatScore } from '@/lib/format';
import { useObjectUrl } from '@/lib/use-object-url';
import { cn } from '@/lib/utils';

import { useSearchSimilar, type SearchOptions, type SearchSource } from '../api/search-similar';
import { defaultSearchOptions, SearchFilters } from './search-filters';

export function SearchView({ onOpenImage }: { onOpenImage: (imageId: string, order: string[]) => void }) {
  const [params, setParams] = useSearchParams();
  const models = useModels();
  const textAvailable = models.data?.text_available ?? false;
  const textReason =
    models.data?.text_unavailable_reason ||
    (models.isError ? 'The model information could not be loaded.' : 'The active model cannot embed text.');

  const tab = params.get('tab') === 'text' && textAvailable ? 'text' : 'image';
  const imageId = params.get('image_id') ?? '';
  const text = params.get('q') ?? '';
  const [file, setFile] = useState<File | null>(null);
  const [options, setOptions] = useState<SearchOptions>(defaultSearchOptions);
  const [idDraft, setIdDraft] = useState(imageId);
  const [textDraft, setTextDraft] = useState(text);

  const source: SearchSource | null = useMemo(() => {
    if (tab === 'text') return text ? { kind: 'text', text } : null;
    if (file) return { kind: 'file', file };
    return imageId ? { kind: 'image', imageId } : null;
  }, [tab, text, file, imageId]);

  const search = useSearchSimilar(source, options);
  const hits = useMemo(() => search.data?.pages.flatMap((p) => p.hits) ?? [], [search.data]);
  const items = useMemo(
    () =>
      hits.map((h) => ({
        imageId: h.image_id,
        thumbnailUrl: h.thumbnail_url || h.preview_url,
        badge: formatScore(h.score),
        caption: h.video ? (
          <span className="flex items-center gap-1" title={h.image_id}>
            <FilmIcon className="size-3 shrink-0" aria-hidden="true" /> Video frame at{' '}
            {formatDuration(h.video.t_ms)}
          </span>
        ) : undefined,
        // With one hit per video, the best frame stands for the others of its video that matched.
        note:
          h.video && (h.video_frames ?? 0) > 1 ? (
            <span
              data-testid="video-frames"
              title="Frames of this video among the matches; the best is shown"
            >
              {h.video_frames} frames
            </span>
          ) : undefined,
      })),
    [hits],
  );

  const update = (next: Record<string, string | null>) => {
    setParams(
      (current) => {
        const copy = new URLSearchParams(current);
        for (const [key, value] of Object.entries(next)) {
          if (value === null || value === '') copy.delete(key);
          else copy.set(key, value);
        }
        return copy;
      },
      { replace: false },
    );
  };

  const dropzone = useDropzone({
    accept: { 'image/*': [] },
    multiple: false,
    onDrop: (accepted) => {
      const first = accepted[0];
      if (first) setFile(first);
    },
  });

  const submitId = (event: FormEvent) => {
    event.preventDefault();
    setFile(null);
    update({ image_id: idDraft.trim(), tab: null });
  };

  const submitText = (event: FormEvent) => {
    event.preventDefault();
    update({ q: textDraft.trim(), tab: 'text' });
  };

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_18rem]">
      <div className="grid min-w-0 content-start gap-4">
        <Tabs value={tab} onValueChange={(value) => update({ tab: value === 'text' ? 'text' : null })}>
          <TabsList>
            <TabsTrigger value="image">
              <ImageIcon /> By image
            </TabsTrigger>
            <TabsTrigger
              value="text"
              disabled={!textAvailable}
              title={textAvailable ? undefined : textReason}
            >
              <TypeIcon /> By text
            </TabsTrigger>
          </TabsList>
          {!textAvailable && !models.isPending && (
            <p className="text-xs text-muted-foreground" data-testid="text-unavailable">
              Text search is off: {textReason}
            </p>
          )}
          <TabsContent value="image" className="grid gap-3 md:grid-cols-[1fr_1fr]">
            <div
              {...dropzone.getRootProps({
                className: cn(
                  'flex min-h-24 cursor-pointer items-center justify-center gap-3 rounded-lg border-2 border-dashed p-4 text-sm',
                  dropzone.isDragActive ? 'border-primary bg-primary/5' : 'border-border',
                ),
              })}
            >
              <input {...dropzone.getInputProps({ 'aria-label': 'Search with an image file' })} />
              {file ? (
                <span className="flex items-center gap-2">
                  <FilePreview file={file} />
                  <span className="max-w-40 truncate">{file.name}</span>
                  <Button
                    variant="ghost"
                    size="icon-sm"
                    aria-label="Clear the query image"
                    onClick={(e) => {
                      e.stopPropagation();
                      setFile(null);
                    }}
                  >
                    <XIcon />
                  </Button>
                </span>
              ) : (
                <>
                  <UploadIcon className="size-5 text-muted-foreground" /> Drop an image, or click to choose
                  one
                </>
              )}
            </div>
            <form className="grid content-center gap-2" onSubmit={submitId}>
              <Label htmlFor="query-image-id">…or an image id</Label>
              <div className="flex gap-2">
                <Input
                  id="query-image-id"
                  className="font-mono"
                  placeholder="01J…"
                  value={idDraft}
                  onChange={(e) => setIdDraft(e.target.value)}
                />
                <Button type="submit" disabled={idDraft.trim() === ''}>
                  <SearchIcon /> Search
                </Button>
              </div>
            </form>
          </TabsContent>
          <TabsContent value="text">
            <form className="flex gap-2" onSubmit={submitText}>
              <Label htmlFor="query-text" className="sr-only">
                Describe the image
              </Label>
              <Input
                id="query-text"
                placeholder="a red bicycle against a brick wall"
                value={textDraft}
                onChange={(e) => setTextDraft(e.target.value)}
              />
              <Button type="submit" disabled={textDraft.trim() === ''}>
                <SearchIcon /> Search
              </Button>
            </form>
          </TabsContent>
        </Tabs>

        {source === null ? (
          <EmptyState icon={SearchIcon} title="Start a search">
            Drop an image, paste an image id, or describe what you are looking for. You can also open any
            image and choose “Find similar”.
          </EmptyState>
        ) : search.isPending ? (
          <div
            className="grid grid-cols-[repeat(auto-fill,minmax(10rem,1fr))] gap-3"
            aria-label="Loading results"
          >
            {Array.from({ length: 12 }, (_, i) => (
              <Skeleton key={i} className="aspect-square" />
            ))}
          </div>
        ) : search.isError ? (
          <ProblemAlert
            error={search.error}
            action={
              <Button variant="outline" size="sm" onClick={() => void search.refetch()}>
                Try again
              </Button>
            }
          />
        ) : items.length === 0 ? (
          <EmptyState icon={SearchXIcon} title="No similar images">
            Nothing passed the filters. Lower the score threshold, turn off the pHash gate, or clear some
            filters.
          </EmptyState>
        ) : (
          <div className="grid gap-2">
            <div className="flex items-center gap-2 text-sm text-muted-foreground">
              <span data-testid="result-count">
                {items.length} result{items.length === 1 ? '' : 's'}
              </span>
              {search.data?.pages[0]?.model_name && (
                <Badge variant="outline">{search.data.pages[0].model_name}</Badge>
              )}
              <span className="ml-auto hidden md:inline">Arrow keys move, Enter opens</span>
            </div>
            <ImageGrid
              label="Search results"
              items={items}
              hasMore={search.hasNextPage}
              loadingMore={search.isFetchingNextPage}
              onLoadMore={() => void search.fetchNextPage()}
              onOpen={(index) => {
                const hit = hits[index];
                if (hit)
                  onOpenImage(
                    hit.image_id,
                    hits.map((h) => h.image_id),
                  );
              }}
            />
          </div>
        )}
      </div>
      <SearchFilters onApply={setOptions} />
    </div>
  );
}

function FilePreview({ file }: { file: File }) {
  const url = useObjectUrl(file);
  return url ? (
    <img src={url} alt="" className="size-12 rounded object-cover" />
  ) : (
    <ImageIcon className="size-6" />
  );
}
