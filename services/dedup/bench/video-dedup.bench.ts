/**
 * Near-duplicate video precision/recall (issue 16): a generated set of video families, each an
 * original slideshow of dev-nearcopies photos and its variants (re-encoded at a low quality, at a
 * low bitrate, resized to half, cropped to 90% and scaled back, its first 3 s trimmed, a 3 s intro
 * inserted, brightened, and cropped + trimmed + re-encoded at once), plus negatives (the same photos
 * in reverse order, and unrelated slideshows), uploaded one at a time through `POST /api/videos` into the
 * embedded stack (child process, the offline model). Once every extraction has finished (and with
 * it the dedup service's check of the video), the stored video groups are read back and scored:
 *
 *   npx tsc -b tsconfig.build.json && node services/ingest/bench/run-dist.cjs services/dedup/bench/video-dedup.bench.ts
 *
 * Pairwise precision and recall of "same group" against the families, for the near groups (exact
 * and near pairs) and for every tier (similar too); per variant kind, whether it joined its
 * original's near group; and the offsets to the group's keep against the true shift of each copy.
 * Run once per frame-match cosine of BENCH_VIDEO_COSINES (0.9,0.85,0.8), each on a fresh stack.
 * BENCH_VIDEO_FAMILIES (3; up to 3 with the 19 dev photos), BENCH_VIDEO_SECONDS_EACH (2.5).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CpuSampler, multipartFile, SoakStack } from '../../embedded/bench/soak-stack';
import { slideshow, variant, withIntro } from '../../../libs/video/test/make-videos';

const ROOT = resolve(__dirname, '../../..');
const SOURCE = resolve(ROOT, '../shared/datasets/dev-nearcopies/images');
const FAMILIES = Math.min(3, Number(process.env.BENCH_VIDEO_FAMILIES ?? 3));
const EACH = Number(process.env.BENCH_VIDEO_SECONDS_EACH ?? 2.5);
const PHOTOS_PER_FAMILY = 4;
const WIDTH = 640;
const HEIGHT = 360;
const INTRO_SECONDS = 3;
const TRIM_SECONDS = 3;
const VARIANTS = 8;
/** Frame-match cosines to compare, one fresh stack each (the service default is 0.85). */
const COSINES = (process.env.BENCH_VIDEO_COSINES ?? '0.9,0.85,0.8').split(',').map((c) => c.trim());

interface Clip {
  name: string;
  file: string;
  /** -1 for an unrelated video. */
  family: number;
  kind: string;
  /** Where the original's time 0 sits in this clip, ms (member time = keep time + offset). */
  shiftMs: number;
}

interface Group {
  group_id: string;
  kind: string;
  suggested_keep: string;
  members: { video: { video_id: string; offset_ms: number } }[];
}

function pairs<T>(items: readonly T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i < items.length; i += 1)
    for (let j = i + 1; j < items.length; j += 1) out.push([items[i]!, items[j]!]);
  return out;
}

const key = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

function makeClips(work: string): Clip[] {
  const photos = readdirSync(SOURCE)
    .filter((f) => !f.includes('__'))
    .sort()
    .map((f) => join(SOURCE, f));
  const clips: Clip[] = [];
  const intro = slideshow(join(work, 'intro.mp4'), [photos[12]!], {
    secondsEach: INTRO_SECONDS,
    width: WIDTH,
    height: HEIGHT,
  });
  for (let f = 0; f < FAMILIES; f += 1) {
    const own = photos.slice(f * PHOTOS_PER_FAMILY, (f + 1) * PHOTOS_PER_FAMILY);
    const original = slideshow(join(work, `f${f}-original.mp4`), own, {
      secondsEach: EACH,
      width: WIDTH,
      height: HEIGHT,
    });
    const at = (kind: string) => join(work, `f${f}-${kind}.mp4`);
    clips.push({ name: `f${f}-original`, file: original, family: f, kind: 'original', shiftMs: 0 });
    const variants: [string, () => string, number][] = [
      ['re-encode crf 38', () => variant(original, at('crf'), { crf: 38 }), 0],
      ['very low bitrate (crf 45)', () => variant(original, at('bitrate'), { crf: 45 }), 0],
      ['resize 1/2', () => variant(original, at('half'), { filters: `scale=${WIDTH / 2}:${HEIGHT / 2}` }), 0],
      [
        'crop 90%',
        () => variant(original, at('crop'), { filters: `crop=iw*0.9:ih*0.9,scale=${WIDTH}:${HEIGHT}` }),
        0,
      ],
      [
        'trim 3 s',
        () => variant(original, at('trim'), { before: ['-ss', String(TRIM_SECONDS)] }),
        -TRIM_SECONDS * 1000,
      ],
      ['intro 3 s', () => withIntro(intro, original, at('intro'), WIDTH, HEIGHT), INTRO_SECONDS * 1000],
      ['brighter (+0.12)', () => variant(original, at('bright'), { filters: 'eq=brightness=0.12' }), 0],
      [
        'crop 80% + trim 2 s + crf 35',
        () =>
          variant(original, at('combo'), {
            before: ['-ss', '2'],
            filters: `crop=iw*0.8:ih*0.8,scale=${WIDTH}:${HEIGHT}`,
            crf: 35,
          }),
        -2000,
      ],
    ];
    for (const [kind, make, shiftMs] of variants) {
      clips.push({ name: `f${f}-${kind}`, file: make(), family: f, kind, shiftMs });
    }
    // The same photos in the reverse order: every frame has a look-alike, but no stretch of the
    // story is shared, so it is not a copy (a negative).
    clips.push({
      name: `f${f}-reversed`,
      file: slideshow(at('reversed'), [...own].reverse(), {
        secondsEach: EACH,
        width: WIDTH,
        height: HEIGHT,
      }),
      family: -1,
      kind: 'reversed order (negative)',
      shiftMs: 0,
    });
  }
  // Unrelated videos of the photos no family uses (the intro's photo left out).
  const rest = photos.slice(13);
  for (let u = 0; u * 3 < rest.length; u += 1) {
    const own = rest.slice(u * 3, u * 3 + 3);
    if (own.length < 2) break;
    clips.push({
      name: `unrelated-${u}`,
      file: slideshow(join(work, `unrelated-${u}.mp4`), own, {
        secondsEach: EACH,
        width: WIDTH,
        height: HEIGHT,
      }),
      family: -1,
      kind: 'unrelated',
      shiftMs: 0,
    });
  }
  return clips;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'video-dedup-bench-'));
  try {
    const made = performance.now();
    const clips = makeClips(work);
    const makeSeconds = (performance.now() - made) / 1000;
    for (const cosine of COSINES) {
      process.stdout.write(`${(await run(work, clips, makeSeconds, cosine)).join('\n')}\n\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** One fresh stack with this frame-match cosine: every clip uploaded, the groups scored. */
async function run(work: string, clips: Clip[], makeSeconds: number, cosine: string): Promise<string[]> {
  process.env.VIDEO_MATCH_MIN_COSINE = cosine;
  const stack = await SoakStack.start('embedded', { root: ROOT, dataDir: join(work, `data-${cosine}`) });
  const sampler = new CpuSampler(() => stack.pids());
  try {
    const login = await fetch(`${stack.url}/api/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'bench' }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const auth = { authorization: `Bearer ${token}` };
    const api = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${stack.url}${path}`, { headers: auth });
      if (!response.ok) throw new Error(`${path} answered ${response.status}`);
      return (await response.json()) as T;
    };
    const idOf = new Map<string, Clip>();
    const cpuStart = sampler.sample();
    const started = performance.now();
    for (const clip of clips) {
      const upload = multipartFile(readFileSync(clip.file), `${clip.name}.mp4`, 'video/mp4');
      const response = await fetch(`${stack.url}/api/videos`, {
        method: 'POST',
        headers: { ...auth, 'content-type': upload.type },
        body: upload.body,
      });
      const answer = (await response.json()) as { video_id: string; status_url: string };
      if (response.status !== 202)
        throw new Error(`${clip.name}: ${response.status} ${JSON.stringify(answer)}`);
      idOf.set(answer.video_id, clip);
      // One at a time, the way a user uploads: the next video once this one is grouped.
      for (;;) {
        const job = await api<{ state: string }>(answer.status_url);
        if (job.state === 'succeeded') break;
        if (job.state === 'failed' || job.state === 'cancelled')
          throw new Error(`${clip.name}: ${job.state}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = sampler.sample() - cpuStart;
    const groups = (await api<{ groups: Group[] }>('/api/dedup/groups?media=video&status=open&limit=200'))
      .groups;

    const truth = new Set(
      pairs([...idOf.keys()])
        .filter(([a, b]) => idOf.get(a)!.family >= 0 && idOf.get(a)!.family === idOf.get(b)!.family)
        .map(([a, b]) => key(a, b)),
    );
    const score = (kinds: readonly string[]) => {
      const predicted = new Set(
        groups
          .filter((g) => kinds.includes(g.kind))
          .flatMap((g) => pairs(g.members.map((m) => m.video.video_id)).map(([a, b]) => key(a, b))),
      );
      const tp = [...predicted].filter((p) => truth.has(p)).length;
      return {
        precision: predicted.size > 0 ? tp / predicted.size : 1,
        recall: truth.size > 0 ? tp / truth.size : 1,
        tp,
        predicted: predicted.size,
      };
    };
    const near = score(['exact', 'near']);
    const all = score(['exact', 'near', 'similar']);

    // Per variant kind: in its original's near group, and at the right offset to the keep.
    const nearGroups = groups.filter((g) => g.kind === 'near' || g.kind === 'exact');
    const byKind = new Map<string, { joined: number; total: number; offsetErrors: number[] }>();
    const originalOf = new Map(
      [...idOf].filter(([, c]) => c.kind === 'original').map(([id, c]) => [c.family, id]),
    );
    for (const [id, clip] of idOf) {
      if (clip.kind === 'original' || clip.family < 0) continue;
      const row = byKind.get(clip.kind) ?? { joined: 0, total: 0, offsetErrors: [] };
      row.total += 1;
      const group = nearGroups.find((g) => {
        const ids = g.members.map((m) => m.video.video_id);
        return ids.includes(id) && ids.includes(originalOf.get(clip.family)!);
      });
      if (group) {
        row.joined += 1;
        const keepClip = idOf.get(group.suggested_keep)!;
        const offset = group.members.find((m) => m.video.video_id === id)!.video.offset_ms;
        row.offsetErrors.push(Math.abs(offset - (clip.shiftMs - keepClip.shiftMs)));
      }
      byKind.set(clip.kind, row);
    }
    const negatives = [...idOf].filter(([, c]) => c.family < 0);
    const inGroup = (id: string, kinds: readonly string[]) =>
      groups.some((g) => kinds.includes(g.kind) && g.members.some((m) => m.video.video_id === id));
    const negativesNear = negatives.filter(([id]) => inGroup(id, ['exact', 'near'])).length;
    const negativesAny = negatives.filter(([id]) => inGroup(id, ['exact', 'near', 'similar'])).length;

    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const lines = [
      `## Near-duplicate videos, VIDEO_MATCH_MIN_COSINE ${cosine} (${new Date().toISOString().slice(0, 16)}Z)`,
      '',
      `${clips.length} generated videos (${FAMILIES} families of an original and ${VARIANTS} variants; ${clips.filter((c) => c.family < 0).length} negatives: the family's photos in reverse order, and unrelated slideshows; ${WIDTH}x${HEIGHT}, ${PHOTOS_PER_FAMILY} photos x ${EACH} s; made in ${makeSeconds.toFixed(0)} s) uploaded one at a time through POST /api/videos into the embedded stack (offline model), each waited for to its groups; ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}. ${seconds.toFixed(0)} s wall, ${cpuSeconds.toFixed(0)} s server CPU in all.`,
      '',
      '| groups scored | pairs predicted | precision | recall |',
      '| --- | ---: | ---: | ---: |',
      `| exact + near | ${near.predicted} | ${pct(near.precision)} | ${pct(near.recall)} (${near.tp}/${truth.size}) |`,
      `| every tier (similar too) | ${all.predicted} | ${pct(all.precision)} | ${pct(all.recall)} (${all.tp}/${truth.size}) |`,
      '',
      '| variant | in its original\u2019s near group | offset to the keep: max error ms |',
      '| --- | ---: | ---: |',
      ...[...byKind].map(
        ([kind, r]) =>
          `| ${kind} | ${r.joined}/${r.total} | ${r.offsetErrors.length > 0 ? Math.max(...r.offsetErrors) : '-'} |`,
      ),
      '',
      `Negatives (reversed order, unrelated) in a near group: ${negativesNear}/${negatives.length}; in any group: ${negativesAny}/${negatives.length}. Open video groups (tier, members): ${groups.map((g) => `${g.kind} ${g.members.length}`).join(', ') || 'none'}.`,
    ];
    return lines;
  } finally {
    sampler.close();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
