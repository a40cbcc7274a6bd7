import { z } from 'zod';
import {
  envInt,
  jobsEnvSchema,
  localFeaturesEnvSchema,
  refineStorage,
  runtimeEnvSchema,
  storageEnvSchema,
} from '@lookalike/config';

export const searchEnvSchema = runtimeEnvSchema
  .merge(storageEnvSchema)
  .merge(jobsEnvSchema)
  .merge(localFeaturesEnvSchema)
  .extend({
    /** HMAC key of the local store's signed URLs (shared with the gateway); read from the data dir when absent. */
    OBJECT_SIGNING_KEY: z.string().optional(),
    /** Repeated text queries answered from memory: at most this many vectors per process. */
    SEARCH_TEXT_CACHE_SIZE: envInt(1000, 0, 1_000_000),
    /** How long the embedding service's model description is trusted before it is asked again. */
    SEARCH_MODEL_INFO_TTL_MS: envInt(30_000, 0, 3_600_000),
    /** Lifetime of the signed preview and thumbnail URLs on hits. */
    SEARCH_URL_TTL_SECONDS: envInt(900, 30, 86_400),
    /** Hamming distance at which two hits count as near copies for group_duplicates. */
    SEARCH_DUPLICATE_HAMMING: envInt(6, 0, 32),
    /** Points a pHash gate above 3 may scan (the chunk index is exact only up to 3). */
    SEARCH_PHASH_SCAN_MAX: envInt(200_000, 1000, 10_000_000),
    /** Cluster requests of more points (image_ids, or limit for a filter) run as a job. */
    SEARCH_CLUSTER_INLINE_MAX: envInt(1000, 1, 5000),
    /** The embedding map projects at most this many points (a seeded uniform sample beyond). */
    SEARCH_MAP_MAX_POINTS: envInt(50_000, 10, 500_000),
    /**
     * Image queries that leave `verify` unset are verified when limit is at most this. 0 (the default):
     * only on request, since a verified query costs about a second of a worker thread.
     */
    SEARCH_VERIFY_DEFAULT_MAX_LIMIT: envInt(0, 0, 200),
    /** The most candidates one query verifies; an explicit verify with offset + limit beyond it is refused. */
    SEARCH_VERIFY_MAX_CANDIDATES: envInt(120, 30, 500),
    /**
     * The fewest embedding candidates a verified query verifies (plus its pHash neighbours and the
     * second hop): 90 reached recall@10 of copies 0.95 on dev-nearcopies, 30 gave 0.91.
     */
    SEARCH_VERIFY_MIN_CANDIDATES: envInt(90, 10, 500),
    /** Pair verdicts (query image, hit) remembered per process for similar-by-id. */
    SEARCH_VERIFY_CACHE: envInt(20_000, 0, 10_000_000),
    /** Feature files of stored images kept in memory per process, in MiB; 0 keeps none. */
    SEARCH_FEATURE_CACHE_MB: envInt(32, 0, 4096),
  })
  .superRefine(refineStorage);

export type SearchConfig = z.infer<typeof searchEnvSchema>;
