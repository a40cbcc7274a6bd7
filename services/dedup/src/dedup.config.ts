import { z } from 'zod';
import {
  envBoolean,
  envInt,
  envNumber,
  jobsEnvSchema,
  localFeaturesEnvSchema,
  refineStorage,
  runtimeEnvSchema,
  storageEnvSchema,
} from '@lookalike/config';

const optionalCosine = z.coerce.number().min(-1).max(1).optional();

export const dedupEnvSchema = runtimeEnvSchema
  .merge(storageEnvSchema)
  .merge(jobsEnvSchema)
  .merge(localFeaturesEnvSchema)
  .extend({
    /** Largest pHash Hamming distance (of 64 bits) of a `near` pair. */
    DEDUP_PHASH_MAX: envInt(6, 0, 32),
    /** Cosine a hash match must reach to be `near`; default per model (docs/quality-loop.md). */
    DEDUP_COSINE_NEAR: optionalCosine,
    /** Cosine of a `similar` pair without hash agreement; default per model. */
    DEDUP_COSINE_SIMILAR: optionalCosine,
    /** Compare mirrored/turned hashes too. */
    DEDUP_HASH_VARIANTS: envBoolean(true),
    /** A `similar` pair must be within each other's this-many nearest neighbours. */
    DEDUP_SIMILAR_MUTUAL_K: envInt(5, 1, 100),
    /** Neighbours per image the sweep asks the vector index for. */
    DEDUP_KNN_K: envInt(10, 1, 100),
    /** Tenant thresholds as JSON: {"<owner>": {"cosineNear": 0.85, "phashMax": 4}}. */
    DEDUP_TENANT_THRESHOLDS: z.string().default('{}'),
    /** How long a tenant's applied thresholds are reused per process (apply/undo here invalidate at once). */
    DEDUP_SETTINGS_CACHE_S: envInt(10, 0, 3600),
    /** Decisions of each verdict a signal needs before a threshold is suggested for it. */
    DEDUP_CALIBRATION_MIN_EACH: envInt(10, 1, 100_000),
    /** Which member of a group to keep, rules in order. */
    DEDUP_KEEP_RULES: z.string().default('quality,resolution,format,age'),
    /** The model whose vectors the sweep compares (the collection's newest when empty). */
    DEDUP_MODEL: z.string().optional(),
    /** Cron of the scheduled full sweep of every tenant; `off` disables it. */
    DEDUP_SCAN_CRON: z.string().default('0 3 * * *'),
    /** Confirmed duplicates are deleted this long after the decision (the undo window); 0 never deletes. */
    DEDUP_UNDO_WINDOW_S: envInt(86_400, 0, 90 * 86_400),
    /** pHash buckets above this size are left to the kNN (blank images share chunks). */
    DEDUP_MAX_BUCKET: envNumber(256, 2, 100_000),
    /** Geometric verification (local features) of candidates below near; needs LOCAL_FEATURES. */
    DEDUP_VERIFY: envBoolean(true),
    /** A candidate is verified when one image is among the other's this-many nearest neighbours. */
    DEDUP_VERIFY_K: envInt(10, 0, 100),
    /** ... or their pHashes are within this many bits. */
    DEDUP_VERIFY_MAX_HAMMING: envInt(20, 0, 64),
    /** At upload, the new image is verified against its this-many nearest neighbours (and hash matches). */
    DEDUP_VERIFY_CHECK_K: envInt(4, 0, 100),
    /** Triangle-closing verifications per image in a sweep (A-B and B-C near: A-C is verified). */
    DEDUP_VERIFY_EXPAND: envInt(8, 0, 100),
    /** Verified pairs remembered per process (by pair); a sweep re-verifies nothing it holds. */
    DEDUP_VERIFY_CACHE: envInt(100_000, 0, 10_000_000),
    /** Feature files kept in memory per process, in MiB (least recently used forgotten first); 0 keeps none. */
    DEDUP_FEATURE_CACHE_MB: envInt(64, 0, 4096),
    /** Ingest-time checks this process runs at once, and how many may wait for a slot (busy beyond). */
    DEDUP_CHECK_CONCURRENCY: envInt(2, 1, 64),
    DEDUP_CHECK_QUEUE_MAX: envInt(16, 0, 10_000),
    /** Near-duplicate videos (docs/video.md): frames this close (cosine) vote for an alignment. */
    VIDEO_MATCH_MIN_COSINE: envNumber(0.85, 0, 1),
    /** Nearest frames per kept frame asked of the vector index when looking for look-alike videos. */
    VIDEO_MATCH_K: envInt(30, 1, 200),
    /** A video pair is `near` when one of them has at least this share of its duration matched. */
    VIDEO_NEAR_MIN_SHARE: envNumber(0.5, 0, 1),
  })
  .superRefine(refineStorage);

export type DedupConfig = z.infer<typeof dedupEnvSchema>;
