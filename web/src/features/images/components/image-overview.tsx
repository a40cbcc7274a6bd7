import { ExternalLinkIcon, SearchIcon, TagIcon, XIcon } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';

import { useImage } from '@/api/get-image';
import { useUpdateImageTags } from '@/api/update-image';
import { CopyButton } from '@/components/copy-button';
import { ProblemAlert } from '@/components/problem-alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Skeleton } from '@/components/ui/skeleton';
import {
  formatBytes,
  formatDate,
  formatPercent,
  formatScore,
  parseTags,
  qualityFlagLabels,
} from '@/lib/format';
import { describeProblem } from '@/lib/problem';

/** The image itself, its payload, quality flags, NSFW score and tags. */
export function ImageOverview({ imageId }: { imageId: string }) {
  const image = useImage(imageId);
  const updateTags = useUpdateImageTags();
  const [tagDraft, setTagDraft] = useState('');

  if (image.isPending)
    return (
      <div className="grid gap-3">
        <Skeleton className="aspect-[4/3] w-full" />
        <Skeleton className="h-24" />
      </div>
    );
  if (image.isError) return <ProblemAlert error={image.error} />;

  const { payload, preview_url: previewUrl } = image.data;
  const tags = payload.tags ?? [];
  const flags = payload.quality_flags ?? [];

  const saveTags = (next: string[], replace: boolean) =>
    updateTags.mutate(
      { id: imageId, tags: next, replace },
      { onError: (error) => toast.error('Tags were not saved', describeProblem(error)) },
    );

  const addTags = (event: FormEvent) => {
    event.preventDefault();
    const next = parseTags(tagDraft);
    if (next.length) saveTags(next, false);
    setTagDraft('');
  };

  const rows: [string, string][] = [
    ['Image id', payload.image_id],
    ['Dimensions', `${payload.width} × ${payload.height}`],
    ['Format', payload.format],
    ['Size', typeof payload.size_bytes === 'number' ? formatBytes(payload.size_bytes) : '–'],
    ['Source', payload.source],
    ['Created', formatDate(payload.created_at)],
    ['SHA-256', payload.sha256],
    ['pHash', payload.phash],
    ['Model', `${payload.model_name} ${payload.model_version ?? ''}`.trim()],
    ['Quality score', formatScore(payload.quality_score, 2)],
    ['Anomaly score', formatScore(payload.anomaly_score, 2)],
    ['Status', image.data.status],
  ];

  return (
    <div className="grid gap-4">
      <div className="flex max-h-[55vh] items-center justify-center overflow-hidden rounded-lg bg-muted">
        {previewUrl ? (
          <img
            src={previewUrl}
            alt={`Image ${imageId}`}
            className="max-h-[55vh] max-w-full object-contain"
            data-testid="detail-preview"
          />
        ) : (
          <p className="p-10 text-sm text-muted-foreground">No preview available.</p>
        )}
      </div>
      <div className="flex flex-wrap gap-2">
        <CopyButton value={imageId} label="Image id" />
        {previewUrl && <CopyButton value={previewUrl} label="Preview URL" />}
        <Button variant="outline" size="sm" asChild>
          <Link to={`/search?image_id=${encodeURIComponent(imageId)}`}>
            <SearchIcon /> Find similar
          </Link>
        </Button>
        {previewUrl && (
          <Button variant="ghost" size="sm" asChild>
            <a href={previewUrl} target="_blank" rel="noreferrer">
              <ExternalLinkIcon /> Open original
            </a>
          </Button>
        )}
      </div>

      <section className="grid gap-2" aria-label="Quality">
        <h3 className="text-sm font-semibold">Quality</h3>
        <div className="flex flex-wrap items-center gap-2">
          {flags.length === 0 ? (
            <Badge variant="success">No quality flags</Badge>
          ) : (
            flags.map((f) => (
              <Badge key={f} variant="warning">
                {qualityFlagLabels[f] ?? f}
              </Badge>
            ))
          )}
          <Badge variant={payload.nsfw_score >= 0.5 ? 'destructive' : 'outline'} data-testid="nsfw-score">
            NSFW {formatPercent(payload.nsfw_score)}
          </Badge>
        </div>
      </section>

      <section className="grid gap-2" aria-label="Tags">
        <h3 className="text-sm font-semibold">Tags</h3>
        <div className="flex flex-wrap gap-1.5">
          {tags.length === 0 && <span className="text-sm text-muted-foreground">No tags.</span>}
          {tags.map((tag) => (
            <Badge key={tag} variant="secondary" className="pr-0.5">
              {tag}
              <button
                type="button"
                className="rounded p-0.5 hover:bg-background"
                aria-label={`Remove tag ${tag}`}
                onClick={() =>
                  saveTags(
                    tags.filter((t) => t !== tag),
                    true,
                  )
                }
              >
                <XIcon />
              </button>
            </Badge>
          ))}
        </div>
        <form className="flex gap-2" onSubmit={addTags}>
          <Input
            aria-label="Add tags"
            className="h-8"
            placeholder="add tags, comma separated"
            value={tagDraft}
            onChange={(e) => setTagDraft(e.target.value)}
          />
          <Button size="sm" variant="outline" type="submit" disabled={parseTags(tagDraft).length === 0}>
            <TagIcon /> Add
          </Button>
        </form>
      </section>

      <section className="grid gap-2" aria-label="Payload">
        <h3 className="text-sm font-semibold">Payload</h3>
        <dl className="grid grid-cols-[8rem_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm">
          {rows.map(([label, value]) => (
            <div key={label} className="contents">
              <dt className="text-muted-foreground">{label}</dt>
              <dd className="truncate font-mono text-xs leading-5" title={value}>
                {value || '–'}
              </dd>
            </div>
          ))}
        </dl>
      </section>
    </div>
  );
}
