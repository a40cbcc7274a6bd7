/**
 * Recall@10 of copies for similar-by-id on ../shared/datasets/dev-nearcopies: every image of a
 * copy group is a query; recall is the share of its copies (at most 10 counted) in its top 10.
 * Vectors are the committed MobileNetV2 fixture of the dataset (services/dedup/test/fixtures,
 * the offline default model), seeded into LanceDB; queries run through SearchService, once
 * without and once with verified re-ranking (verify: true; originals in a local object store,
 * feature files copied from .bench/near-copies-features-<options> where the dedup bench cached them, else
 * extracted on first use; one worker thread).
 *
 *   node services/dedup/bench/run-ts.cjs services/search/bench/near-copies.bench.ts
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ImagePayload, SimilarSearchRequest } from '@lookalike/contracts';
import { loadConfig } from '@lookalike/config';
import type { RpcClient } from '@lookalike/messaging';
import {
  featureSignature,
  LOCAL_FEATURES_MIME,
  LocalFeatureWorkers,
  localFeaturesKey,
} from '@lookalike/local-features';
import { createObjectStore } from '@lookalike/object-store';
import { LanceDbVectorStore } from '@lookalike/vector-store';
import { EmbeddingRepository } from '../src/repositories/embedding.repository';
import { ImageUrlRepository } from '../src/repositories/image-url.repository';
import { LocalFeaturesRepository } from '../src/repositories/local-features.repository';
import { VectorIndexRepository } from '../src/repositories/vector-index.repository';
import { searchEnvSchema } from '../src/search.config';
import { SearchService } from '../src/services/search.service';

const ROOT = resolve(__dirname, '../../..');
const FIXTURES = join(ROOT, 'services/dedup/test/fixtures');
const TRUTH = process.env.BENCH_TRUTH ?? join(ROOT, '../shared/datasets/dev-nearcopies/truth.json');
const IMAGES = join(ROOT, '../shared/datasets/dev-nearcopies/images');
const FEATURE_CACHE = join(ROOT, '.bench', `near-copies-features-${featureSignature()}`);

interface FixtureFile {
  file: string;
  sha256: string;
  phash: string;
  width: number;
  height: number;
  format: string;
  qualityScore: number;
}

async function main(): Promise<void> {
  const meta = JSON.parse(readFileSync(join(FIXTURES, 'near-copies.json'), 'utf8')) as {
    model: { name: string; version: string; dim: number; vectorName: string };
    files: FixtureFile[];
  };
  const raw = readFileSync(join(FIXTURES, 'near-copies.mobilenet.f32'));
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const truth = JSON.parse(readFileSync(TRUTH, 'utf8')) as { groups: string[][] };
  const dim = meta.model.dim;
  const modelName = meta.model.vectorName.replace(/_global$/, '');
  const dir = mkdtempSync(join(tmpdir(), 'search-recall-'));
  const store = new LanceDbVectorStore({ dir: join(dir, 'lancedb'), autoIndex: false });
  const workers = new LocalFeatureWorkers({ LOCAL_FEATURES: true, LOCAL_FEATURES_THREADS: 1 });
  try {
    await store.ensureCollection({
      models: [{ name: modelName, version: meta.model.version, dimension: dim, crops: false }],
    });
    const idOf = new Map<string, string>();
    const keyOf = (imageId: string, format: string) => `eval/2026/01/${imageId}.${format}`;
    await store.upsert(
      'eval',
      meta.files.map((f, i) => {
        const imageId = `01J${String(i).padStart(23, '0')}`;
        idOf.set(f.file, imageId);
        return {
          payload: ImagePayload.fromPartial({
            imageId,
            ownerUserId: 'eval',
            key: keyOf(imageId, f.format),
            sha256: f.sha256,
            phash: f.phash,
            width: f.width,
            height: f.height,
            format: f.format,
            qualityScore: f.qualityScore,
            createdAt: new Date(1_767_225_600_000 + i * 1000).toISOString(),
          }),
          vectors: { [meta.model.vectorName]: all.slice(i * dim, (i + 1) * dim) },
        };
      }),
    );
    const objects = await createObjectStore({
      kind: 'local',
      dir: join(dir, 'objects'),
      baseUrl: 'http://127.0.0.1:8080/api/objects',
      signingKey: 'k'.repeat(64),
    });
    for (const f of meta.files) {
      const key = keyOf(idOf.get(f.file)!, f.format);
      await objects.put(key, readFileSync(join(IMAGES, f.file)), { contentType: `image/${f.format}` });
      const cached = join(FEATURE_CACHE, `${f.file}.lkf`);
      if (existsSync(cached)) {
        await objects.put(localFeaturesKey(key), readFileSync(cached), { contentType: LOCAL_FEATURES_MIME });
      }
    }
    const config = loadConfig(searchEnvSchema, {});
    const noRpc = {
      send: () => Promise.reject(new Error('image_id queries must not call the embedding service')),
    };
    const search = new SearchService(
      new VectorIndexRepository(store),
      new EmbeddingRepository(noRpc as unknown as RpcClient, config),
      new ImageUrlRepository(objects, config),
      new LocalFeaturesRepository(config, objects, workers),
      config,
    );
    console.log(
      `dev-nearcopies, ${meta.files.length} images, ${truth.groups.length} copy groups, model ${meta.model.name} (${dim}-d), LanceDB exact scan\n`,
    );
    const measure = async (verify: boolean) => {
      let recallSum = 0;
      let queries = 0;
      let copiesFirst = 0;
      let copiesInTop = 0;
      let verifiedCopies = 0;
      let othersInTop = 0;
      let verifiedOthers = 0;
      const perTransform = new Map<string, { found: number; total: number }>();
      const started = performance.now();
      for (const group of truth.groups) {
        for (const file of group) {
          const copies = new Set(group.filter((f) => f !== file).map((f) => idOf.get(f)!));
          const res = await search.similar(
            SimilarSearchRequest.fromPartial({
              caller: { ownerUserId: 'eval' },
              imageId: idOf.get(file),
              limit: 10,
              verify,
            }),
          );
          const top = res.hits.map((h) => h.imageId);
          for (const hit of res.hits) {
            if (copies.has(hit.imageId)) {
              copiesInTop += 1;
              if (hit.verified) verifiedCopies += 1;
            } else {
              othersInTop += 1;
              if (hit.verified) verifiedOthers += 1;
            }
          }
          const found = top.filter((id) => copies.has(id)).length;
          recallSum += found / Math.min(10, copies.size);
          queries += 1;
          // Copies ahead of other images: no other image ranks above the last copy found in the top 10.
          const lastCopy = top.reduce((last, id, i) => (copies.has(id) ? i : last), -1);
          if (
            top.slice(0, lastCopy + 1).every((id) => copies.has(id)) &&
            found === Math.min(10, copies.size)
          ) {
            copiesFirst += 1;
          }
          for (const other of group.filter((f) => f !== file)) {
            const transform = other.replace(/\.[a-z]+$/i, '').split('__')[1] ?? 'original';
            const entry = perTransform.get(transform) ?? { found: 0, total: 0 };
            entry.total += 1;
            if (top.includes(idOf.get(other)!)) entry.found += 1;
            perTransform.set(transform, entry);
          }
        }
      }
      return {
        queries,
        recallSum,
        copiesFirst,
        copiesInTop,
        verifiedCopies,
        othersInTop,
        verifiedOthers,
        perTransform,
        ms: performance.now() - started,
      };
    };
    const runs: Awaited<ReturnType<typeof measure>>[] = [];
    for (const verify of [false, true]) runs.push(await measure(verify));
    console.log('| metric | score order (verify: false) | verified re-ranking (verify: true) |');
    console.log('| --- | --- | --- |');
    const row = (label: string, value: (r: (typeof runs)[number]) => string) =>
      console.log(`| ${label} | ${runs.map(value).join(' | ')} |`);
    row('queries (images with copies)', (r) => String(r.queries));
    row('mean recall@10 of copies', (r) => (r.recallSum / r.queries).toFixed(3));
    row('queries with every copy ahead of every other image', (r) => (r.copiesFirst / r.queries).toFixed(3));
    row('copies in the top 10 flagged verified', (r) => `${r.verifiedCopies}/${r.copiesInTop}`);
    row('other images in the top 10 flagged verified', (r) => `${r.verifiedOthers}/${r.othersInTop}`);
    row('mean ms per query (one thread)', (r) => (r.ms / r.queries).toFixed(1));
    console.log(
      "\n| copy kind (as the found image) | found in the query's top 10, score order | verified re-ranking |",
    );
    console.log('| --- | --- | --- |');
    for (const transform of [...runs[0]!.perTransform.keys()].sort()) {
      const cells = runs.map((r) => {
        const { found, total } = r.perTransform.get(transform)!;
        return `${(found / total).toFixed(2)} (${found}/${total})`;
      });
      console.log(`| ${transform} | ${cells.join(' | ')} |`);
    }
  } finally {
    await workers.onModuleDestroy();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
