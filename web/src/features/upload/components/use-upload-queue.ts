import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useReducer, useRef } from 'react';

import type { IngestResponse } from '@/api/types';
import { ApiError, toApiError } from '@/lib/problem';

import { ingestImage } from '../api/ingest-image';
import { presignImage } from '../api/presign-image';
import { uploadObject } from '../api/upload-object';

export type UploadStatus =
  'queued' | 'presigning' | 'uploading' | 'ingesting' | 'created' | 'duplicate' | 'failed';

export interface UploadItem {
  id: string;
  file: File;
  /** Path inside a dropped folder, or the file name. */
  name: string;
  tags: string[];
  status: UploadStatus;
  loaded: number;
  result?: IngestResponse;
  error?: ApiError;
  /** Rejected before upload (not an image, too large): retrying cannot help. */
  rejectedLocally?: boolean;
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
        ids.has(item.id) && item.status === 'failed' && !item.rejectedLocally
          ? { ...item, status: 'queued', loaded: 0, error: undefined }
          : item,
      );
    }
    case 'clearFinished':
      return items.filter((item) => item.status !== 'created' && item.status !== 'duplicate');
  }
}

let sequence = 0;
const nextId = () => `u${Date.now().toString(36)}-${(sequence += 1)}`;

export const isActive = (status: UploadStatus) =>
  status === 'presigning' || status === 'uploading' || status === 'ingesting';

/**
 * The batch upload pipeline: presign → PUT/POST the bytes with progress → ingest, a few files at a time
 * so a folder of thousands does not open thousands of connections.
 */
export function useUploadQueue(concurrency = 3) {
  const [items, dispatch] = useReducer(reducer, []);
  const started = useRef(new Set<string>());
  const controllers = useRef(new Map<string, AbortController>());
  const queryClient = useQueryClient();

  const run = useCallback(
    async (item: UploadItem) => {
      const update = (patch: Partial<UploadItem>) => dispatch({ type: 'update', id: item.id, patch });
      const controller = new AbortController();
      controllers.current.set(item.id, controller);
      try {
        update({ status: 'presigning', loaded: 0 });
        const presign = await presignImage(item.file);
        update({ status: 'uploading' });
        await uploadObject(presign, item.file, ({ loaded }) => update({ loaded }), controller.signal);
        update({ status: 'ingesting', loaded: item.file.size });
        const result = await ingestImage({ bucket: presign.bucket, key: presign.key, tags: item.tags });
        update({ status: result.status === 'duplicate' ? 'duplicate' : 'created', result });
        void queryClient.invalidateQueries({ queryKey: ['images'] });
        void queryClient.invalidateQueries({ queryKey: ['dedup'] });
      } catch (error) {
        update({ status: 'failed', error: toApiError(error) });
      } finally {
        controllers.current.delete(item.id);
        started.current.delete(item.id);
      }
    },
    [queryClient],
  );

  useEffect(() => {
    const active = items.filter((item) => isActive(item.status) || started.current.has(item.id)).length;
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

  const addFiles = useCallback((files: { file: File; name: string }[], tags: string[]) => {
    dispatch({
      type: 'add',
      items: files.map(({ file, name }) => ({ id: nextId(), file, name, tags, status: 'queued', loaded: 0 })),
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
        rejectedLocally: true,
        error: new ApiError({ type: 'about:blank#client', title: 'Not uploaded', status: 0, detail: reason }),
      })),
    });
  }, []);

  const retry = useCallback((ids: string[]) => dispatch({ type: 'retry', ids }), []);
  const clearFinished = useCallback(() => dispatch({ type: 'clearFinished' }), []);

  return { items, addFiles, addRejected, retry, clearFinished };
}
