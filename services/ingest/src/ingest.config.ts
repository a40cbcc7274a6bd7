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

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const ingestEnvSchema = runtimeEnvSchema
  .merge(storageEnvSchema)
  .merge(jobsEnvSchema)
  .merge(localFeaturesEnvSchema)
  .extend({
    /** Largest accepted original (payload_too_large above it; also the presigned upload's limit). */
    MAX_IMAGE_BYTES: envInt(25 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    /** Largest accepted width x height of the first frame, read from the header. */
    MAX_IMAGE_PIXELS: envInt(40_000_000, 1024),
    DECODE_TIMEOUT_MS: envInt(10_000, 100, 600_000),
    /** Store K salient-crop embeddings (`<model>_crops`) beside the global one. */
    ENABLE_CROPS: envBoolean(false),
    CROP_COUNT: envInt(4, 1, 16),
    /**
     * Worker threads for the quality pass over each upload's pixels when its sums run in
     * TypeScript (about 14 ms per 1024 px photo); 0 runs it on the event loop. The compiled sums
     * (about 3 ms) run on libuv's thread pool and start none.
     */
    ANALYSIS_THREADS: envInt(1, 0, 16),
    /**
     * Who adds up the quality pass's pixel sums: `native` (libs/imaging/native, compiled by make
     * build; about 4x faster), `js` (TypeScript), or `auto`, native when its addon is built. Both
     * give the same metrics, bit for bit (docs/imaging.md).
     */
    QUALITY_PASS_RUNTIME: z.enum(['auto', 'native', 'js']).default('auto'),
    /** Ingests processed at once by this process, and how many may wait before callers get busy. */
    INGEST_CONCURRENCY: envInt(4, 1, 64),
    /** Upload outcomes per tenant are added to SQL (`ingest_outcomes`) this often, in one statement. */
    INGEST_OUTCOMES_FLUSH_MS: envInt(5000, 100, 600_000),
    INGEST_QUEUE_MAX: envInt(256, 0, 100_000),
    /** Items of one batch ingested at once. */
    BATCH_CONCURRENCY: envInt(4, 1, 64),
    MAX_BATCH_ITEMS: envInt(10_000, 1, 1_000_000),
    /**
     * The near-duplicate report of an ingest answer is the dedup service's check of the new image:
     * how long one check may take (the dedup service refuses, busy, a check it cannot finish in
     * this time), how long an ingest keeps asking a busy dedup service again before it answers
     * `duplicate_check: unavailable`, and how many of its matches the answer lists.
     */
    INGEST_DUPLICATE_CHECK_TIMEOUT_MS: envInt(3000, 100, 60_000),
    INGEST_DUPLICATE_CHECK_MAX_WAIT_MS: envInt(30_000, 0, 600_000),
    INGEST_DUPLICATE_REPORT_LIMIT: envInt(10, 0, 100),
    PRESIGN_EXPIRES_SECONDS: envInt(900, 10, 7 * 24 * 3600),
    URL_EXPIRES_SECONDS: envInt(900, 10, 7 * 24 * 3600),
    /** Shared with the gateway, which verifies the local store's signed URLs (see docs/ingest.md). */
    OBJECT_SIGNING_KEY: optional,
    /**
     * Videos (docs/video.md): ffmpeg and ffprobe (found on PATH by default; without them the video
     * endpoints answer 501 naming the tool), the limits every video is checked against before a
     * frame is decoded, and how keyframes are kept.
     */
    FFMPEG_PATH: z.string().trim().min(1).default('ffmpeg'),
    FFPROBE_PATH: z.string().trim().min(1).default('ffprobe'),
    MAX_VIDEO_BYTES: envInt(2 * 1024 * 1024 * 1024, 1024, 64 * 1024 * 1024 * 1024),
    MAX_VIDEO_DURATION_SECONDS: envInt(30 * 60, 1, 24 * 3600),
    MAX_VIDEO_FRAME_PIXELS: envInt(3840 * 2160, 1024, 100_000_000),
    MAX_VIDEO_FRAMES: envInt(30 * 60 * 120, 1, 100_000_000),
    VIDEO_PROBE_TIMEOUT_MS: envInt(30_000, 1000, 600_000),
    VIDEO_EXTRACT_TIMEOUT_MS: envInt(15 * 60 * 1000, 1000, 24 * 3600 * 1000),
    VIDEO_SCENE_THRESHOLD: envNumber(0.3, 0.01, 1),
    VIDEO_MIN_SPACING_MS: envInt(500, 0, 600_000),
    VIDEO_MAX_GAP_MS: envInt(10_000, 100, 3_600_000),
    VIDEO_MAX_FRAMES_PER_MINUTE: envInt(30, 1, 3600),
    /**
     * A folder of sample images a user may load into an empty library (POST /api/images/samples);
     * the embedded host points it at deploy/seed/images. Unset: the offer answers 501.
     */
    SAMPLES_DIR: optional,
    /** Reconciliation: at start-up and then this often (0 turns the periodic pass off). */
    RECONCILE_INTERVAL_SECONDS: envInt(600, 0),
    /** Rows left mid-pipeline for longer than this are replayed by reconciliation. */
    RECONCILE_STALE_SECONDS: envInt(120, 0),
    /** Objects with no row older than this are deleted (presigned uploads not ingested yet are younger). */
    RECONCILE_ORPHAN_OBJECT_SECONDS: envInt(24 * 3600, 0),
  })
  .superRefine(refineStorage);

export type IngestConfig = z.infer<typeof ingestEnvSchema>;
