import { FolderUpIcon, ImageUpIcon, RotateCwIcon, TrashIcon, UploadCloudIcon } from 'lucide-react';
import { useMemo, useRef, useState, type ChangeEvent } from 'react';
import { useDropzone, type FileRejection } from 'react-dropzone';

import { EmptyState } from '@/components/empty-state';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Progress } from '@/components/ui/progress';
import { formatBytes, parseTags } from '@/lib/format';
import { cn } from '@/lib/utils';

import { acceptedFiles, kindOf } from './file-kinds';
import { UploadRow } from './upload-row';
import { isActive, useUploadQueue, type UploadQueueOptions } from './use-upload-queue';

function displayName(file: File): string {
  const withPath = file as File & { path?: string; relativePath?: string };
  const path = withPath.relativePath || withPath.path || file.webkitRelativePath || file.name;
  return path.replace(/^\.?\//, '');
}

/** Images go through presign and ingest; videos to `POST /api/videos`, then their extraction is followed. */
export function UploadPanel({ queueOptions }: { queueOptions?: UploadQueueOptions } = {}) {
  const queue = useUploadQueue(queueOptions);
  const [tagText, setTagText] = useState('');
  const folderInput = useRef<HTMLInputElement>(null);

  const enqueue = (accepted: File[], rejected: FileRejection[]) => {
    const tags = parseTags(tagText);
    const files = accepted.flatMap((file) => {
      const kind = kindOf(file);
      return kind ? [{ file, name: displayName(file), kind }] : [];
    });
    if (files.length) queue.addFiles(files, tags);
    if (rejected.length) {
      queue.addRejected(
        rejected.map(({ file, errors }) => ({
          file,
          name: displayName(file),
          reason: errors.some((e) => e.code === 'file-invalid-type')
            ? `Neither an image nor a video (${file.type || 'unknown type'}); only images and MP4, MOV, WebM or MKV videos are uploaded.`
            : errors.map((e) => e.message).join('; '),
        })),
      );
    }
  };

  const dropzone = useDropzone({
    onDrop: enqueue,
    accept: acceptedFiles,
    multiple: true,
    noClick: true,
  });

  const onFolderPicked = (event: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(event.target.files ?? []);
    // Folders hold sidecar files (.DS_Store, .xmp); skip them quietly instead of listing each as a failure.
    enqueue(
      files.filter((f) => kindOf(f) !== undefined),
      [],
    );
    event.target.value = '';
  };

  const summary = useMemo(() => {
    const count = (pred: (s: string) => boolean) => queue.items.filter((i) => pred(i.status)).length;
    const totalBytes = queue.items.reduce((sum, i) => sum + i.file.size, 0);
    const loadedBytes = queue.items.reduce(
      (sum, i) => sum + (i.status === 'failed' ? 0 : i.status === 'queued' ? 0 : i.loaded),
      0,
    );
    return {
      total: queue.items.length,
      created: count((s) => s === 'created'),
      duplicate: count((s) => s === 'duplicate'),
      failed: count((s) => s === 'failed'),
      pending: count((s) => s === 'queued' || isActive(s as never)),
      totalBytes,
      loadedBytes,
    };
  }, [queue.items]);

  const retryable = queue.items.filter((i) => i.status === 'failed' && !i.final).map((i) => i.id);

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
      <div className="grid content-start gap-4">
        <div
          {...dropzone.getRootProps({
            className: cn(
              'flex flex-col items-center justify-center gap-3 rounded-xl border-2 border-dashed p-10 text-center transition-colors',
              dropzone.isDragActive ? 'border-primary bg-primary/5' : 'border-border',
            ),
          })}
          data-testid="dropzone"
        >
          <input {...dropzone.getInputProps({ 'aria-label': 'Choose images or videos to upload' })} />
          <UploadCloudIcon className="size-10 text-muted-foreground" />
          <div>
            <p className="font-medium">
              {dropzone.isDragActive ? 'Drop to upload' : 'Drag images, videos or folders here'}
            </p>
            <p className="text-sm text-muted-foreground">
              Images: JPEG, PNG, WebP, GIF, TIFF, AVIF. Videos: MP4, MOV, WebM, MKV. Folders are searched for
              both.
            </p>
          </div>
          <div className="flex gap-2">
            <Button onClick={dropzone.open}>
              <ImageUpIcon /> Choose files
            </Button>
            <Button variant="outline" onClick={() => folderInput.current?.click()}>
              <FolderUpIcon /> Choose a folder
            </Button>
            <input
              ref={folderInput}
              type="file"
              className="hidden"
              multiple
              aria-label="Choose a folder to upload"
              onChange={onFolderPicked}
              {...{ webkitdirectory: '', directory: '' }}
            />
          </div>
        </div>

        {queue.items.length === 0 ? (
          <EmptyState icon={UploadCloudIcon} title="Nothing uploaded yet">
            Drop a few photos or videos above. Each image is checked for exact and near duplicates as it
            arrives; each video is cut into its key frames, which are indexed like images. You will see the
            outcome here.
          </EmptyState>
        ) : (
          <Card className="gap-0 py-0">
            <ul className="divide-y" aria-label="Uploads">
              {queue.items.map((item) => (
                <UploadRow key={item.id} item={item} onRetry={() => queue.retry([item.id])} />
              ))}
            </ul>
          </Card>
        )}
      </div>

      <div className="grid content-start gap-4">
        <Card>
          <CardHeader>
            <CardTitle>Batch tags</CardTitle>
            <CardDescription>Applied to files added from now on. Separate tags with commas.</CardDescription>
          </CardHeader>
          <CardContent>
            <Label htmlFor="batch-tags" className="sr-only">
              Batch tags
            </Label>
            <Input
              id="batch-tags"
              placeholder="e.g. spring-catalogue, studio"
              value={tagText}
              onChange={(e) => setTagText(e.target.value)}
            />
          </CardContent>
        </Card>
        <Card aria-label="Upload summary" data-testid="upload-summary">
          <CardHeader>
            <CardTitle>Summary</CardTitle>
            <CardDescription>
              {summary.total === 0
                ? 'No files yet.'
                : `${formatBytes(summary.loadedBytes)} of ${formatBytes(summary.totalBytes)} sent`}
            </CardDescription>
          </CardHeader>
          <CardContent className="grid gap-3">
            <Progress
              value={summary.totalBytes ? (summary.loadedBytes / summary.totalBytes) * 100 : 0}
              aria-label="Batch progress"
            />
            <dl className="grid grid-cols-2 gap-2 text-sm">
              <dt className="text-muted-foreground">Added</dt>
              <dd className="text-right font-medium" data-testid="summary-created">
                {summary.created}
              </dd>
              <dt className="text-muted-foreground">Duplicates</dt>
              <dd className="text-right font-medium" data-testid="summary-duplicate">
                {summary.duplicate}
              </dd>
              <dt className="text-muted-foreground">Failed</dt>
              <dd className="text-right font-medium" data-testid="summary-failed">
                {summary.failed}
              </dd>
              <dt className="text-muted-foreground">In progress</dt>
              <dd className="text-right font-medium">{summary.pending}</dd>
            </dl>
            <div className="flex flex-wrap gap-2">
              <Button
                variant="outline"
                size="sm"
                disabled={retryable.length === 0}
                onClick={() => queue.retry(retryable)}
              >
                <RotateCwIcon /> Retry failed ({retryable.length})
              </Button>
              <Button
                variant="ghost"
                size="sm"
                disabled={summary.created + summary.duplicate === 0}
                onClick={queue.clearFinished}
              >
                <TrashIcon /> Clear finished
              </Button>
            </div>
          </CardContent>
        </Card>
      </div>
    </div>
  );
}
