/*
 * Time per image of each imaging step, one image at a time (the latency one ingest worker sees).
 *
 *   npx tsc -b libs/contracts && npx tsc -p libs/imaging/bench && \
 *     node libs/imaging/dist/bench/bench/imaging.bench.js [--dir <folder of images>] [--rounds 3] [--json out.json]
 *
 * Defaults to ../shared/datasets/dev-nearcopies/images. Each step runs over every image `rounds`
 * times after one warm-up pass; the table gives the median and 95th percentile per image.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import {
  analyzeImage,
  DEFAULT_IMAGE_LIMITS,
  ingestArtefacts,
  inspectImage,
  makeThumbnail,
  perceptualHash,
  perceptualHashes,
  qualityMetrics,
  salientCrops,
  sha256Hex,
} from '../src';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const DIR = flag('dir', path.resolve(__dirname, '../../../../../../shared/datasets/dev-nearcopies/images'));
const ROUNDS = Number(flag('rounds', '3'));
const JSON_OUT = flag('json', '');

const steps: Array<[string, (bytes: Buffer) => Promise<unknown>]> = [
  ['inspectImage (validation + proof decode)', (bytes) => inspectImage(bytes, DEFAULT_IMAGE_LIMITS)],
  ['sha256Hex', async (bytes) => sha256Hex(bytes)],
  ['perceptualHash', (bytes) => perceptualHash(bytes)],
  ['perceptualHashes (hash + 4 variants)', (bytes) => perceptualHashes(bytes)],
  ['qualityMetrics', (bytes) => qualityMetrics(bytes)],
  ['makeThumbnail 256', (bytes) => makeThumbnail(bytes, 256)],
  ['makeThumbnail 1024', (bytes) => makeThumbnail(bytes, 1024)],
  ['salientCrops k=4', (bytes) => salientCrops(bytes, 4)],
  [
    'analyzeImage (inspect + sha256 + hashes + quality)',
    (bytes) => analyzeImage(bytes, DEFAULT_IMAGE_LIMITS),
  ],
  [
    'ingest artefacts, separately (perceptualHash + qualityMetrics + makeThumbnail 256 + 1024)',
    (bytes) =>
      Promise.all([
        perceptualHash(bytes),
        qualityMetrics(bytes),
        makeThumbnail(bytes, 256),
        makeThumbnail(bytes, 1024),
      ]),
  ],
  [
    'ingestArtefacts (the same from one decode; pHash from its own 1/8-scale decode)',
    (bytes) => ingestArtefacts(bytes, DEFAULT_IMAGE_LIMITS),
  ],
  [
    'ingestArtefacts without the 1024 px thumbnail (an original that is its own preview)',
    (bytes) => ingestArtefacts(bytes, DEFAULT_IMAGE_LIMITS, undefined, { preview: false }),
  ],
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const images = readdirSync(DIR)
    .filter((name) => /\.(jpe?g|png|webp|gif|tiff?|avif)$/i.test(name))
    .map((name) => readFileSync(path.join(DIR, name)));
  const rows: Array<{ step: string; medianMs: number; p95Ms: number; perSecond: number; cpuMs: number }> = [];
  for (const [step, run] of steps) {
    for (const bytes of images) await run(bytes);
    const times: number[] = [];
    // CPU of every thread of the process (libvips works on its own threads), per image.
    const cpuBefore = process.cpuUsage();
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const bytes of images) {
        const start = process.hrtime.bigint();
        await run(bytes);
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }
    const cpuUsed = process.cpuUsage(cpuBefore);
    times.sort((a, b) => a - b);
    const total = times.reduce((sum, t) => sum + t, 0);
    rows.push({
      step,
      medianMs: percentile(times, 50),
      p95Ms: percentile(times, 95),
      perSecond: (times.length / total) * 1000,
      cpuMs: (cpuUsed.user + cpuUsed.system) / 1000 / times.length,
    });
  }
  const cpu = cpus();
  console.log(
    `${images.length} images from ${DIR}, ${ROUNDS} rounds; ${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}, sharp concurrency ${sharp.concurrency()}, libvips ${sharp.versions.vips}\n`,
  );
  console.log(
    '| step | median ms/image | p95 ms/image | images/s (one at a time) | CPU ms/image (all threads) |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(
      `| ${row.step} | ${row.medianMs.toFixed(1)} | ${row.p95Ms.toFixed(1)} | ${row.perSecond.toFixed(0)} | ${row.cpuMs.toFixed(1)} |`,
    );
  }
  if (JSON_OUT)
    writeFileSync(JSON_OUT, JSON.stringify({ images: images.length, rounds: ROUNDS, rows }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
