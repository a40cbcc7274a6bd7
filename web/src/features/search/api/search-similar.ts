import { infiniteQueryOptions, queryOptions, useInfiniteQuery, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { ImageFilter, SearchResponse } from '@/api/types';

/** What the query is: an image already in the library, free text, or a file that is not uploaded. */
export type SearchSource =
  { kind: 'image'; imageId: string } | { kind: 'text'; text: string } | { kind: 'file'; file: File };

export interface SearchOptions {
  limit: number;
  scoreThreshold?: number | undefined;
  phashGate?: number | undefined;
  useCrops: boolean;
  /** Only the best frame of each video (the hit counts the video's other frames among the candidates). */
  groupByVideo?: boolean | undefined;
  filter: ImageFilter;
}

export const searchPageSize = 48;

function params(options: SearchOptions, offset: number, limit: number) {
  return {
    limit,
    offset,
    score_threshold: options.scoreThreshold,
    phash_gate: options.phashGate,
    use_crops: options.useCrops,
    group_by_video: options.groupByVideo || undefined,
    include_payload: true,
    filter: options.filter,
  };
}

export function searchSimilar(
  source: SearchSource,
  options: SearchOptions,
  offset = 0,
  limit = options.limit,
) {
  const body = params(options, offset, limit);
  if (source.kind === 'file') {
    // The multipart variant takes each parameter as its own form field; the filter travels as JSON text.
    const form = new FormData();
    for (const [name, value] of Object.entries(body)) {
      if (value === undefined) continue;
      form.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
    form.append('file', source.file, source.file.name);
    return unwrap<SearchResponse>(
      api.POST('/api/search/similar', {
        body: form as never,
        bodySerializer: (value: unknown) => value as FormData,
      }),
    );
  }
  const query =
    source.kind === 'image' ? { image_id: source.imageId, exclude_self: true } : { text_query: source.text };
  return unwrap(api.POST('/api/search/similar', { body: { ...query, ...body } }));
}

function sourceKey(source: SearchSource) {
  if (source.kind === 'file') return ['file', source.file.name, source.file.size, source.file.lastModified];
  return source.kind === 'image' ? ['image', source.imageId] : ['text', source.text];
}

/** Pages through the results with offset until `limit` hits are shown or the index runs out. */
export function searchSimilarInfiniteQueryOptions(source: SearchSource, options: SearchOptions) {
  return infiniteQueryOptions({
    queryKey: ['search', 'similar', sourceKey(source), options],
    initialPageParam: 0,
    queryFn: ({ pageParam }) => {
      // A file is sent once with the whole limit: paging would upload it again for every page.
      const size =
        source.kind === 'file' ? options.limit : Math.min(searchPageSize, options.limit - pageParam);
      return searchSimilar(source, options, pageParam, size);
    },
    getNextPageParam: (last, _pages, lastOffset) => {
      if (source.kind === 'file') return undefined;
      const next = lastOffset + last.hits.length;
      const requested = Math.min(searchPageSize, options.limit - lastOffset);
      return last.hits.length < requested || next >= options.limit ? undefined : next;
    },
    staleTime: 60_000,
  });
}

export function useSearchSimilar(source: SearchSource | null, options: SearchOptions) {
  return useInfiniteQuery({
    ...searchSimilarInfiniteQueryOptions(source ?? { kind: 'text', text: '' }, options),
    enabled: source !== null,
  });
}

/** The short "similar images" strip of the detail panel. */
export function similarImagesQueryOptions(imageId: string, limit = 12) {
  return queryOptions({
    queryKey: ['search', 'similar-to', imageId, limit],
    queryFn: () => searchSimilar({ kind: 'image', imageId }, { limit, useCrops: false, filter: {} }),
    staleTime: 60_000,
  });
}

export function useSimilarImages(imageId: string, limit?: number) {
  return useQuery(similarImagesQueryOptions(imageId, limit));
}
