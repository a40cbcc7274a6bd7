/**
 * Writes the anomaly test set: out-of-domain images made with sharp (pixel noise, flat and
 * gradient fills, rendered text pages) planted among dev-nearcopies, with their MobileNetV2
 * vectors (the offline default model, through the embedding service's model code) and quality
 * scores. The dev-nearcopies vectors themselves come from the dedup fixture.
 *
 *   node services/dedup/bench/run-ts.cjs services/anomaly/bench/planted-fixture.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DEFAULT_IMAGE_LIMITS, analyzeImage } from '@lookalike/imaging';
import { MobileNetModel } from '../../embedding/src/model/mobilenet.model';
import { inspectImage } from '../../embedding/src/preprocess/image-decode';

/** A small deterministic generator, so the fixture is reproducible. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function noise(seed: number, colour: boolean): Promise<Buffer> {
  const next = random(seed);
  const w = 320;
  const h = 240;
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i += 1) {
    const g = Math.floor(next() * 256);
    px[i * 3] = colour ? Math.floor(next() * 256) : g;
    px[i * 3 + 1] = colour ? Math.floor(next() * 256) : g;
    px[i * 3 + 2] = colour ? Math.floor(next() * 256) : g;
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

async function flat(r: number, g: number, b: number): Promise<Buffer> {
  return sharp({ create: { width: 300, height: 200, channels: 3, background: { r, g, b } } })
    .jpeg()
    .toBuffer();
}

async function gradient(seed: number): Promise<Buffer> {
  const next = random(seed);
  const w = 300;
  const h = 200;
  const [r0, g0, b0, r1, g1, b1] = Array.from({ length: 6 }, () => next() * 255);
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const t = x / (w - 1);
      const i = (y * w + x) * 3;
      px[i] = r0 + (r1 - r0) * t;
      px[i + 1] = g0 + (g1 - g0) * t;
      px[i + 2] = b0 + (b1 - b0) * t;
    }
  }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .jpeg()
    .toBuffer();
}

/** A "scanned page": black rows of pseudo-words on off-white, like a text document. */
async function page(seed: number): Promise<Buffer> {
  const next = random(seed);
  const w = 400;
  const h = 520;
  const px = Buffer.alloc(w * h, 245);
  for (let line = 30; line < h - 30; line += 22) {
    let x = 30;
    while (x < w - 40) {
      const word = 10 + Math.floor(next() * 40);
      for (let dx = 0; dx < word && x + dx < w - 30; dx += 1) {
        for (let dy = 0; dy < 10; dy += 1) if (next() < 0.55) px[(line + dy) * w + x + dx] = 20;
      }
      x += word + 8;
    }
  }
  return sharp(px, { raw: { width: w, height: h, channels: 1 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

async function main(): Promise<void> {
  const planted: [string, Buffer][] = [
    ['noise_grey_1.png', await noise(1, false)],
    ['noise_grey_2.png', await noise(2, false)],
    ['noise_colour_1.png', await noise(3, true)],
    ['noise_colour_2.png', await noise(4, true)],
    ['flat_red.jpg', await flat(200, 30, 30)],
    ['flat_blue.jpg', await flat(20, 40, 190)],
    ['gradient_1.jpg', await gradient(5)],
    ['gradient_2.jpg', await gradient(6)],
    ['page_1.jpg', await page(7)],
    ['page_2.jpg', await page(8)],
    ['page_3.jpg', await page(9)],
    ['page_4.jpg', await page(10)],
  ];
  const model = await MobileNetModel.load();
  const dim = model.descriptor.dim;
  const vectors = new Float32Array(planted.length * dim);
  const files = [];
  for (const [index, [file, bytes]] of planted.entries()) {
    const analysis = await analyzeImage(bytes, DEFAULT_IMAGE_LIMITS);
    const [out] = await model.run(await model.preprocessor.preprocess(bytes, await inspectImage(bytes)), 1);
    vectors.set(out.vector, index * dim);
    files.push({
      file,
      qualityScore: analysis.quality.qualityScore,
      qualityFlags: analysis.quality.flags,
      phash: analysis.phash,
    });
  }
  const out = join(__dirname, '../test/fixtures');
  writeFileSync(join(out, 'planted.mobilenet.f32'), Buffer.from(vectors.buffer));
  writeFileSync(
    join(out, 'planted.json'),
    `${JSON.stringify({ model: model.descriptor, files }, null, 1)}\n`,
  );
  await model.dispose();
  console.log(`wrote ${planted.length} planted images`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
