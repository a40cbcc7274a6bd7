/**
 * Recall@10 of copies for similar-by-id on ../shared/datasets/dev-nearcopies: every image of a
 * copy group is a query; recall is the share of its copies (at most 10 counted) in its top 10.
 * Vectors are the committed MobileNetV2 fixture of the dataset (services/dedup/test/fixtures,
 * the offline default model), seeded into LanceDB; queries run through SearchService.
 *
 *   node services/dedup/bench/run-ts.cjs services/search/bench/near-copies.bench.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ImagePayload, SimilarSearchRequest } from '@lookalike/contracts';
import { loadConfig } from '@lookalike/config';
import type { RpcClient } from '@lookalike/messaging';
import type { ObjectStore } from '@lookalike/object-store';
import { LanceDbVectorStore } from '@lookalike/vector-store';
import { EmbeddingRepository } from '../src/repositories/embedding.repository';
import { ImageUrlRepository } from '../src/repositories/image-url.repository';
import { VectorIndexRepository } from '../src/repositories/vector-index.repository';
import { searchEnvSchema } from '../src/search.config';
import { SearchService } from '../src/services/search.service';

const ROOT = resolve(__dirname, '../../..');
const FIXTURES = join(ROOT, 'services/dedup/test/fixtures');
const TRUTH = process.env.BENCH_TRUTH ?? join(ROOT, '../shared/datasets/dev-nearcopies/truth.json');

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
  const store = new LanceDbVectorStore({ dir, autoIndex: false });
  try {
    await store.ensureCollection({
      models: [{ name: modelName, version: meta.model.version, dimension: dim, crops: false }],
    });
    const idOf = new Map<string, string>();
    await store.upsert(
      'eval',
      meta.files.map((f, i) => {
        const imageId = `01J${String(i).padStart(23, '0')}`;
        idOf.set(f.file, imageId);
        return {
          payload: ImagePayload.fromPartial({
            imageId,
            ownerUserId: 'eval',
            key: `eval/2026/01/${imageId}.${f.format}`,
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
    const config = loadConfig(searchEnvSchema, {});
    const noRpc = {
      send: () => Promise.reject(new Error('image_id queries must not call the embedding service')),
    };
    const urls = { bucket: 'lookalike', presignDownload: async () => '' } as unknown as ObjectStore;
    const search = new SearchService(
      new VectorIndexRepository(store),
      new EmbeddingRepository(noRpc as unknown as RpcClient, config),
      new ImageUrlRepository(urls, config),
      config,
    );
    let recallSum = 0;
    let queries = 0;
    let copiesFirst = 0;
    const perTransform = new Map<string, { found: number; total: number }>();
    for (const group of truth.groups) {
      for (const file of group) {
        const copies = new Set(group.filter((f) => f !== file).map((f) => idOf.get(f)!));
        const res = await search.similar(
          SimilarSearchRequest.fromPartial({
            caller: { ownerUserId: 'eval' },
            imageId: idOf.get(file),
            limit: 10,
          }),
        );
        const top = res.hits.map((h) => h.imageId);
        const found = top.filter((id) => copies.has(id)).length;
        recallSum += found / Math.min(10, copies.size);
        queries += 1;
        // Copies ahead of other images: no other image ranks above the last copy found in the top 10.
        const lastCopy = top.reduce((last, id, i) => (copies.has(id) ? i : last), -1);
        if (top.slice(0, lastCopy + 1).every((id) => copies.has(id)) && found === Math.min(10, copies.size)) {
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
    console.log(
      `dev-nearcopies, ${meta.files.length} images, ${truth.groups.length} copy groups, model ${meta.model.name} (${dim}-d), LanceDB exact scan\n`,
    );
    console.log('| metric | value |');
    console.log('| --- | --- |');
    console.log(`| queries (images with copies) | ${queries} |`);
    console.log(`| mean recall@10 of copies | ${(recallSum / queries).toFixed(3)} |`);
    console.log(
      `| queries with every copy ahead of every other image | ${(copiesFirst / queries).toFixed(3)} |`,
    );
    console.log("\n| copy kind (as the found image) | found in the query's top 10 |");
    console.log('| --- | --- |');
    for (const [transform, { found, total }] of [...perTransform.entries()].sort()) {
      console.log(`| ${transform} | ${(found / total).toFixed(2)} (${found}/${total}) |`);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
