import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useReducer, useRef } from 'react';

import { getJob, isJobFinished } from '@/api/get-job';
import type { IngestResponse, Job, VideoIngestResponse } from '@/api/types';
import { ApiError, toApiError } from '@/lib/problem';

import { ingestImage } from '../api/ingest-image';
import { ingestVideo } from '../api/ingest-video';
import { presignImage } from '../api/presign-image';
import { presignVideo } from '../api/presign-video';
import { uploadObject } from '../api/upload-object';
import { uploadVideo, VIDEO_MULTIPART_MAX_BYTES } from '../api/upload-video';
import type { FileKind } from './file-kinds';

export type UploadStatus =
  'queued' | 'presigning' | 'uploading' | 'ingesting' | 'extracting' | 'created' | 'duplicate' | 'failed';

export interface UploadItem {
  id: string;
  file: File;
  /** Path inside a dropped folder, or the file name. */
  name: string;
  /** Absent for a file that is neither (rejected before upload). */
  kind?: FileKind;
  tags: string[];
  status: UploadStatus;
  loaded: number;
  /** What ingest answered for an image. */
  result?: IngestResponse;
  /** What the upload answered for a video: its id and the extraction job. */
  video?: VideoIngestResponse;
  /** The video's extraction job as last polled (frames done of total). */
  job?: Pick<Job, 'state' | 'done' | 'total'>;
  error?: ApiError;
  /**
   * Retrying cannot help: rejected before upload (neither an image nor a video), or a video whose frame
   * extraction failed (the same bytes again answer with the same job).
   */
  final?: boolean;
}

type Action =
  | { type: 'add'; items: UploadItem[] }
  | { type: 'update'; id: string; patch: Partial<UploadItem> }
  | { type: 'retry'; ids: string[] }
  | { type: 'clearFinished' };

function reducer(items: UploadItem[], action: Action): UploadItem[] {
  switch (action.type) {
    case 'add':
      return [...items, ...action.items];
    case 'update':
      return items.map((item) => (item.id === action.id ? { ...item, ...action.patch } : item));
    case 'retry': {
      const ids = new Set(action.ids);
      return items.map((item) =>
        ids.has(item.id) && item.status === 'failed' && !item.final
          ? { ...item, status: 'queued', loaded: 0, error: undefined, video: undefined, job: undefined }
          : item,
      );
    }
    case 'clearFinished':
      return items.filter((item) => item.status !== 'created' && item.status !== 'duplicate');
  }
}

let sequence = 0;
const nextId = () => `u${Date.now().toString(36)}-${(sequence += 1)}`;

/** Work on the item is under way (spinner, "in progress"). */
export const isActive = (status: UploadStatus) =>
  status === 'presigning' || status === 'uploading' || status === 'ingesting' || status === 'extracting';

/** The item holds one of the upload slots: its bytes are on the way or being checked. */
const holdsSlot = (status: UploadStatus) =>
  status === 'presigning' || status === 'uploading' || status === 'ingesting';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

export interface UploadQueueOptions {
  /** Files sent at a time. */
  concurrency?: number;
  /** How often a video's extraction job is polled. */
  pollIntervalMs?: number;
}

/**
 * The batch upload pipeline, a few files at a time so a folder of thousands does not open thousands of
 * connections. An image: presign → PUT/POST the bytes with progress → ingest. A video: `POST /api/videos`
 * with progress (presign → PUT → ingest above 256 MiB), then its frame extraction job is followed until it
 * ends; the upload slot is free again as soon as the server has accepted the video.
 */
export function useUploadQueue({ concurrency = 3, pollIntervalMs = 1000 }: UploadQueueOptions = {}) {
  const [items, dispatch] = useReducer(reducer, []);
  const started = useRef(new Set<string>());
  const controllers = useRef(new Map<string, AbortController>());
  const queryClient = useQueryClient();

  const sendImage = useCallback(
    async (item: UploadItem, update: (patch: Partial<UploadItem>) => void, signal: AbortSignal) => {
      update({ status: 'presigning', loaded: 0 });
      const presign = await presignImage(item.file);
      update({ status: 'uploading' });
      await uploadObject(presign, item.file, ({ loaded }) => update({ loaded }), signal);
      update({ status: 'ingesting', loaded: item.file.size });
      const result = await ingestImage({ bucket: presign.bucket, key: presign.key, tags: item.tags });
      update({ status: result.status === 'duplicate' ? 'duplicate' : 'created', result });
      void queryClient.invalidateQueries({ queryKey: ['images'] });
      void queryClient.invalidateQueries({ queryKey: ['dedup'] });
    },
    [queryClient],
  );

  const sendVideo = useCallback(
    async (item: UploadItem, update: (patch: Partial<UploadItem>) => void, signal: AbortSignal) => {
      const { file, tags } = item;
      const onProgress = ({ loaded }: { loaded: number }) => update({ loaded });
      let video: VideoIngestResponse;
      if (file.size <= VIDEO_MULTIPART_MAX_BYTES) {
        update({ status: 'uploading', loaded: 0 });
        video = await uploadVideo({
          file,
          tags,
          onProgress,
          // The bytes are there; the server reads the container and probes the streams before it answers.
          onSent: () => update({ status: 'ingesting', loaded: file.size }),
          signal,
        });
      } else {
        update({ status: 'presigning', loaded: 0 });
        const presign = await presignVideo(file);
        update({ status: 'uploading' });
        await uploadObject(presign, file, onProgress, signal);
        update({ status: 'ingesting', loaded: file.size });
        video = await ingestVideo({ bucket: presign.bucket, key: presign.key, tags });
      }
      update({ status: 'extracting', loaded: file.size, video });
      void queryClient.invalidateQueries({ queryKey: ['videos'] });
      // The upload slot is free for the next file while the server extracts the frames.
      started.current.delete(item.id);

      let job: Job | undefined;
      let misses = 0;
      while (video.job_id && !signal.aborted) {
        try {
          job = await getJob(video.job_id);
          misses = 0;
          update({ job: { state: job.state, done: job.done, total: job.total } });
          if (isJobFinished(job)) break;
        } catch (error) {
          // A hiccup of the network or a busy gateway is waited out; a refusal is not.
          const { status } = toApiError(error);
          misses += 1;
          if ((status >= 400 && status < 500) || misses >= 5) throw error;
        }
        await sleep(pollIntervalMs, signal);
      }
      if (signal.aborted) return;
      if (job && job.state !== 'succeeded') {
        update({
          status: 'failed',
          final: true,
          error: new ApiError({
            type: 'about:blank#extraction',
            title: 'Frame extraction failed',
            status: 0,
            detail: job.error || job.failures[0]?.reason || `The extraction job was ${job.state}.`,
          }),
        });
        return;
      }
      update({ status: video.status === 'duplicate' ? 'duplicate' : 'created' });
      void queryClient.invalidateQueries({ queryKey: ['videos'] });
      void queryClient.invalidateQueries({ queryKey: ['images'] });
    },
    [queryClient, pollIntervalMs],
  );

  const run = useCallback(
    async (item: UploadItem) => {
      const update = (patch: Partial<UploadItem>) => dispatch({ type: 'update', id: item.id, patch });
      const controller = new AbortController();
      controllers.current.set(item.id, controller);
      try {
        await (item.kind === 'video' ? sendVideo : sendImage)(item, update, controller.signal);
      } catch (error) {
        update({ status: 'failed', error: toApiError(error) });
      } finally {
        controllers.current.delete(item.id);
        started.current.delete(item.id);
      }
    },
    [sendImage, sendVideo],
  );

  useEffect(() => {
    const active = items.filter((item) => holdsSlot(item.status) || started.current.has(item.id)).length;
    const free = concurrency - active;
    if (free <= 0) return;
    const next = items
      .filter((item) => item.status === 'queued' && !started.current.has(item.id))
      .slice(0, free);
    for (const item of next) {
      started.current.add(item.id);
      void run(item);
    }
  }, [items, concurrency, run]);

  useEffect(() => {
    const all = controllers.current;
    return () => all.forEach((controller) => controller.abort());
  }, []);

  const addFiles = useCallback((files: { file: File; name: string; kind: FileKind }[], tags: string[]) => {
    dispatch({
      type: 'add',
      items: files.map(({ file, name, kind }) => ({
        id: nextId(),
        file,
        name,
        kind,
        tags,
        status: 'queued',
        loaded: 0,
      })),
    });
  }, []);

  const addRejected = useCallback((rejected: { file: File; name: string; reason: string }[]) => {
    dispatch({
      type: 'add',
      items: rejected.map(({ file, name, reason }) => ({
        id: nextId(),
        file,
        name,
        tags: [],
        status: 'failed',
        loaded: 0,
        final: true,
        error: new ApiError({ type: 'about:blank#client', title: 'Not uploaded', status: 0, detail: reason }),
      })),
    });
  }, []);

  const retry = useCallback((ids: string[]) => dispatch({ type: 'retry', ids }), []);
  const clearFinished = useCallback(() => dispatch({ type: 'clearFinished' }), []);

  return { items, addFiles, addRejected, retry, clearFinished };
}
