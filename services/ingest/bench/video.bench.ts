/**
 * Video ingest (issue 16): a generated 60 s 720p slideshow (dev-nearcopies photos, 3 s each, H.264,
 * 30 fps) uploaded through `POST /api/videos` into the embedded stack (child process, the offline
 * model, quality loop on), then the extraction job polled to its end:
 *
 *   npx tsc -b tsconfig.build.json && node services/ingest/bench/run-dist.cjs services/ingest/bench/video.bench.ts
 *
 * Reported: the upload answer's latency (store + probe), the extraction's wall time and the
 * server's CPU (probe, ffmpeg decode and scene detection, then every kept frame through the image
 * pipeline: pHash, quality, thumbnails, local features, embedding, index), frames kept and shots,
 * and the cost per minute of video. BENCH_VIDEO_SECONDS (60), BENCH_VIDEO_WIDTH/HEIGHT (1280x720).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CpuSampler, multipartFile, SoakStack } from '../../embedded/bench/soak-stack';
import { slideshow } from '../../../libs/video/test/make-videos';

const ROOT = resolve(__dirname, '../../..');
const SECONDS = Number(process.env.BENCH_VIDEO_SECONDS ?? 60);
const WIDTH = Number(process.env.BENCH_VIDEO_WIDTH ?? 1280);
const HEIGHT = Number(process.env.BENCH_VIDEO_HEIGHT ?? 720);
const EACH = 3;
const SOURCE = resolve(ROOT, '../shared/datasets/dev-nearcopies/images');

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'video-bench-'));
  const originals = readdirSync(SOURCE)
    .filter((f) => !f.includes('__'))
    .sort()
    .map((f) => join(SOURCE, f));
  // As many slots as the duration needs; the originals repeat when there are fewer.
  const photos = Array.from(
    { length: Math.ceil(SECONDS / EACH) },
    (_, i) => originals[i % originals.length]!,
  );
  const made = performance.now();
  const file = slideshow(join(work, 'bench.mp4'), photos, {
    secondsEach: EACH,
    width: WIDTH,
    height: HEIGHT,
    fps: 30,
  });
  const makeSeconds = (performance.now() - made) / 1000;
  const bytes = readFileSync(file);
  const stack = await SoakStack.start('embedded', { root: ROOT, dataDir: join(work, 'data') });
  const sampler = new CpuSampler(() => stack.pids());
  try {
    const login = await fetch(`${stack.url}/api/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'bench' }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const auth = { authorization: `Bearer ${token}` };
    const upload = multipartFile(bytes, 'bench.mp4', 'video/mp4');
    const cpuStart = sampler.sample();
    const started = performance.now();
    const response = await fetch(`${stack.url}/api/videos`, {
      method: 'POST',
      headers: { ...auth, 'content-type': upload.type },
      body: upload.body,
    });
    const answer = (await response.json()) as { video_id: string; status_url: string };
    if (response.status !== 202)
      throw new Error(`upload answered ${response.status}: ${JSON.stringify(answer)}`);
    const uploadMs = performance.now() - started;
    let job = { state: 'queued', done: 0, total: 0 };
    while (!['succeeded', 'failed', 'cancelled'].includes(job.state)) {
      await new Promise((r) => setTimeout(r, 250));
      job = (await (await fetch(`${stack.url}${answer.status_url}`, { headers: auth })).json()) as typeof job;
    }
    const totalSeconds = (performance.now() - started) / 1000;
    const cpuSeconds = sampler.sample() - cpuStart;
    const video = (await (
      await fetch(`${stack.url}/api/videos/${answer.video_id}`, { headers: auth })
    ).json()) as {
      duration_ms: number;
      shots: unknown[];
      frames: { t_ms: number }[];
      codec: string;
    };
    const minutes = video.duration_ms / 60_000;
    const load = loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    const lines = [
      `## Video ingest (${new Date().toISOString().slice(0, 16)}Z)`,
      '',
      `A ${(video.duration_ms / 1000).toFixed(1)} s ${WIDTH}x${HEIGHT} ${video.codec} slideshow (${photos.length} photos, ${EACH} s each, 30 fps, ${(bytes.length / 1024 / 1024).toFixed(1)} MiB; made in ${makeSeconds.toFixed(1)} s) through POST /api/videos into the embedded stack, ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, load average ${load} after.`,
      '',
      '| job | upload answer (store + probe) ms | to indexed s | server CPU s | frames kept | shots | per video minute: wall s / CPU s | frames/s |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| ${job.state} | ${uploadMs.toFixed(0)} | ${totalSeconds.toFixed(1)} | ${cpuSeconds.toFixed(1)} | ${video.frames.length} | ${video.shots.length} | ${(totalSeconds / minutes).toFixed(1)} / ${(cpuSeconds / minutes).toFixed(1)} | ${(video.frames.length / totalSeconds).toFixed(2)} |`,
      '',
      `Frame times (s): ${video.frames.map((f) => (f.t_ms / 1000).toFixed(1)).join(', ')}.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    sampler.close();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
