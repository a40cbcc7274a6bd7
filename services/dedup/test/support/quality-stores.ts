import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { DataSource } from 'typeorm';
import { dropSchema, openDatabase, type LookalikeDataSource } from '@lookalike/persistence';
import { LanceDbVectorStore, type UpsertPoint } from '@lookalike/vector-store';
import { LocalFeatureWorkers } from '@lookalike/local-features';
import type { ObjectStore } from '@lookalike/object-store';
import type { DedupConfig } from '../../src/dedup.config';
import { LocalFeaturesRepository } from '../../src/repositories/local-features.repository';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Jest registers tests synchronously, so the server is probed synchronously in a child process. */
export function postgresAnswers(url = DATABASE_URL): boolean {
  const probe = `new (require('pg').Client)(${JSON.stringify(url)}).connect().then(() => process.exit(0), () => process.exit(1))`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000, cwd: __dirname }).status === 0;
}

export interface QualityStores {
  dataSource: LookalikeDataSource;
  vectors: LanceDbVectorStore;
  close(): Promise<void>;
}

/** Real stores for a suite: LanceDB in a temp dir, and PGlite there too or a fresh PostgreSQL schema. */
export async function openQualityStores(
  sql: 'pglite' | 'postgres',
  dimension: number,
  options: { autoIndex?: boolean } = {},
): Promise<QualityStores> {
  const dir = await mkdtemp(join(tmpdir(), 'lookalike-quality-'));
  const schema = `lookalike_quality_${Date.now().toString(36)}_${process.pid}`;
  const dataSource =
    sql === 'pglite'
      ? await openDatabase({ embedded: { dataDir: dir } })
      : await openDatabase({ url: DATABASE_URL, schema, poolSize: 4 });
  const vectors = new LanceDbVectorStore({
    dir: join(dir, 'lancedb'),
    autoIndex: options.autoIndex ?? false,
  });
  await vectors.ensureCollection({
    models: [{ name: 'mobilenet', version: 'test', dimension, crops: false }],
  });
  return {
    dataSource,
    vectors,
    close: async () => {
      await vectors.close();
      await dataSource.destroy();
      if (sql === 'postgres') {
        await dropSchema(DATABASE_URL, schema);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SeedImage {
  imageId: string;
  sha256: string;
  phash: string;
  width: number;
  height: number;
  format: string;
  qualityScore: number;
  qualityFlags?: string[];
  createdAt: string;
  vector: Float32Array;
}

/** Writes the images as ingest would: a SQL row and a point with the mobilenet vector. */
export async function seedImages(
  stores: { dataSource: DataSource; vectors: LanceDbVectorStore },
  owner: string,
  images: readonly SeedImage[],
): Promise<void> {
  for (const im of images) {
    await stores.dataSource.query(
      `INSERT INTO images (image_id, owner_user_id, sha256, status, bucket, object_key, size_bytes, source, phash,
                           quality_score, width, height, format, created_at)
       VALUES ($1, $2, $3, 'indexed', 'lookalike', $4, 1000, 'upload', $5, $6, $7, $8, $9, $10)`,
      [
        im.imageId,
        owner,
        im.sha256,
        `${owner}/${im.imageId}.${im.format}`,
        im.phash,
        im.qualityScore,
        im.width,
        im.height,
        im.format,
        im.createdAt,
      ],
    );
  }
  const points: UpsertPoint[] = images.map((im) => ({
    payload: {
      imageId: im.imageId,
      ownerUserId: owner,
      bucket: 'lookalike',
      key: `${owner}/${im.imageId}.${im.format}`,
      sha256: im.sha256,
      phash: im.phash,
      width: im.width,
      height: im.height,
      format: im.format,
      source: 'upload',
      tags: [],
      createdAt: im.createdAt,
      modelName: 'mobilenet',
      modelVersion: 'test',
      qualityScore: im.qualityScore,
      qualityFlags: im.qualityFlags ?? [],
      nsfwScore: 0,
      anomalyScore: 0,
      sizeBytes: 1000,
    },
    vectors: { mobilenet_global: im.vector },
  }));
  for (let i = 0; i < points.length; i += 100) await stores.vectors.upsert(owner, points.slice(i, i + 100));
}

/** A valid ULID-shaped id per index, stable across runs. */
export function imageIdFor(n: number, prefix = '01J'): string {
  return `${prefix}${String(n).padStart(26 - prefix.length, '0')}`;
}

/** Dedup's local-feature repository with verification off (no worker pool, no object reads). */
export function verificationOff(config: DedupConfig): LocalFeaturesRepository {
  return new LocalFeaturesRepository(
    config,
    {} as ObjectStore,
    {} as DataSource,
    new LocalFeatureWorkers({ LOCAL_FEATURES: false, LOCAL_FEATURES_THREADS: 1 }),
  );
}
