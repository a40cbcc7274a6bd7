/**
 * Writes the dev-nearcopies fixture the dedup calibration and tests read: every image's
 * MobileNetV2 vector (the offline default model, through the embedding service's own model code)
 * as packed float32, and its sha256, pHash, hash variants, size and quality score as JSON.
 *
 *   node services/dedup/bench/run-ts.cjs services/dedup/bench/near-copies-fixture.ts
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { DEFAULT_IMAGE_LIMITS, analyzeImage } from '@lookalike/imaging';
import { MobileNetModel } from '../../embedding/src/model/mobilenet.model';
import { inspectImage } from '../../embedding/src/preprocess/image-decode';
import { NEAR_COPIES_DIR, type NearCopyFixtureFile } from '../test/support/near-copies-fixture';

async function main(): Promise<void> {
  const images = join(NEAR_COPIES_DIR, 'images');
  const files = readdirSync(images)
    .filter((f) => ['.jpg', '.jpeg', '.png', '.webp'].includes(extname(f).toLowerCase()))
    .sort();
  const model = await MobileNetModel.load();
  const vectors = new Float32Array(files.length * model.descriptor.dim);
  const meta: NearCopyFixtureFile[] = [];
  for (const [index, file] of files.entries()) {
    const bytes = readFileSync(join(images, file));
    const analysis = await analyzeImage(bytes, DEFAULT_IMAGE_LIMITS);
    const header = await inspectImage(bytes);
    const input = await model.preprocessor.preprocess(bytes, header);
    const [out] = await model.run(input, 1);
    vectors.set(out.vector, index * model.descriptor.dim);
    meta.push({
      file,
      sha256: analysis.sha256,
      phash: analysis.phash,
      variants: analysis.phashVariants,
      width: analysis.info.width,
      height: analysis.info.height,
      format: analysis.info.format,
      sizeBytes: bytes.length,
      qualityScore: analysis.quality.qualityScore,
      qualityFlags: [...analysis.quality.flags],
    });
  }
  const out = join(__dirname, '../test/fixtures');
  writeFileSync(join(out, 'near-copies.mobilenet.f32'), Buffer.from(vectors.buffer));
  writeFileSync(
    join(out, 'near-copies.json'),
    `${JSON.stringify({ model: model.descriptor, files: meta }, null, 1)}\n`,
  );
  await model.dispose();
  console.log(`wrote ${files.length} x ${model.descriptor.dim} vectors`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
