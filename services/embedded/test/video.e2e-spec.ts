import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BusSubscription } from '@lookalike/messaging';
import { Client } from 'pg';
import { devOriginals, slideshow, truncated, variant } from '../../../libs/video/test/make-videos';
import { uploadImage } from './support/fixture-embedding';
import { serveStandInEmbedding } from './support/ingest-stand-ins';
import { devLogin, startTestStack, type StackMode, type TestStack } from './support/test-stack';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const BAD_INPUTS = resolve(__dirname, '../../../../shared/datasets/bad-inputs');

const modes: StackMode[] = (process.env.VIDEO_E2E_MODES?.split(',') as StackMode[] | undefined) ?? [
  'embedded',
  'distributed',
];

jest.setTimeout(180_000);

interface VideoAnswer {
  video_id: string;
  status: string;
  job_id: string;
  status_url: string;
}

/** Built by hand: Jest's realm makes undici's FormData stringify Blobs from the test context. */
function multipart(bytes: Buffer, name: string, tags?: string[]): { body: Buffer; type: string } {
  const boundary = `----lookalike${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  if (tags) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="tags"\r\n\r\n${JSON.stringify(tags)}\r\n`,
      ),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

describe.each(modes)('video upload through the gateway (%s)', (mode) => {
  let stack: TestStack;
  let embedding: BusSubscription;
  let token: string;
  let dir: string;
  let slides: Buffer;
  const schema = `e2e_video_${Date.now()}`;

  beforeAll(async () => {
    stack = await startTestStack(mode, {
      omit: ['embedding'],
      env: {
        RPC_TIMEOUT_MS: '60000',
        RECONCILE_INTERVAL_SECONDS: '0',
        ...(mode === 'distributed' ? { DATABASE_URL: `${PG_URL}?schema=${schema}` } : {}),
      },
    });
    embedding = await serveStandInEmbedding(stack.bus, stack.dataDir);
    token = await devLogin(stack.url, 'vera');
    dir = await mkdtemp(join(tmpdir(), 'video-e2e-'));
    slides = await readFile(slideshow(join(dir, 'slides.mp4'), devOriginals(5), { secondsEach: 2 }));
  }, 180_000);

  afterAll(async () => {
    await embedding?.unsubscribe();
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (mode === 'distributed') {
      const db = new Client({ connectionString: PG_URL });
      await db.connect();
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.end();
    }
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${stack.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
    });

  function upload(bytes: Buffer, name: string, tags?: string[]): Promise<Response> {
    const { body, type } = multipart(bytes, name, tags);
    return api('/api/videos', { method: 'POST', headers: { 'content-type': type }, body });
  }

  async function imageCount(): Promise<number> {
    const response = await api('/api/images?limit=100');
    return ((await response.json()) as { images: unknown[] }).images.length;
  }

  it('uploads a video, extracts its shots into frames, and shows them with their times', async () => {
    const response = await upload(slides, 'holiday.mp4', ['trip']);
    expect(response.status).toBe(202);
    const answer = (await response.json()) as VideoAnswer;
    expect(answer).toMatchObject({ status: 'created', status_url: `/api/jobs/${answer.job_id}` });
    let job: { state: string; done: number; total: number } = { state: 'queued', done: 0, total: 0 };
    for (let i = 0; i < 600 && !['succeeded', 'failed'].includes(job.state); i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      job = (await (await api(answer.status_url)).json()) as typeof job;
    }
    expect(job).toMatchObject({ state: 'succeeded', done: 5, total: 5 });
    const video = (await (await api(`/api/videos/${answer.video_id}`)).json()) as {
      status: string;
      container: string;
      duration_ms: number;
      shots: { start_ms: number }[];
      frames: { image_id: string; t_ms: number; shot_id: number; thumbnail_url: string }[];
      poster_image_id: string;
      video_url: string;
      tags: string[];
    };
    expect(video).toMatchObject({ status: 'indexed', container: 'mp4', tags: ['trip'] });
    expect(video.shots.map((s) => s.start_ms)).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(video.frames.map((f) => [f.t_ms, f.shot_id])).toEqual([
      [0, 0],
      [2000, 1],
      [4000, 2],
      [6000, 3],
      [8000, 4],
    ]);
    expect(video.poster_image_id).toBe(video.frames[0]!.image_id);
    // A frame grabbed from the video (at 4.5 s) and uploaded as a photo finds the video at that time.
    const grabbed = join(dir, 'grab.jpg');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-ss',
      '4.5',
      '-i',
      join(dir, 'slides.mp4'),
      '-frames:v',
      '1',
      grabbed,
    ]);
    const photo = await uploadImage(stack.url, token, await readFile(grabbed), 'grab.jpg');
    expect(photo.status).toBe(201);
    const { image_id: grabbedId } = (await photo.json()) as { image_id: string };
    const search = await api('/api/search/similar', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image_id: grabbedId, limit: 3, exclude_self: true }),
    });
    expect(search.status).toBe(200);
    const { hits } = (await search.json()) as {
      hits: { image_id: string; video?: { video_id: string; t_ms: number } }[];
    };
    expect(hits[0]?.video?.video_id).toBe(answer.video_id);
    expect(Math.abs(hits[0]!.video!.t_ms - 4500)).toBeLessThanOrEqual(1000);
    const listed = (await (await api('/api/videos?limit=10')).json()) as {
      videos: { video_id: string; status: string; shots: unknown[]; frames: unknown[] }[];
    };
    expect(listed.videos.find((v) => v.video_id === answer.video_id)).toMatchObject({
      status: 'indexed',
      frames: [],
    });
    expect((await api('/api/videos?cursor=bogus')).status).toBe(400);
    // A frame is an image: indexed, with its thumbnail; the signed URLs serve the bytes.
    const frame = (await (await api(`/api/images/${video.frames[2]!.image_id}`)).json()) as {
      status: string;
      video?: { video_id: string; t_ms: number; shot_id: number };
    };
    expect(frame).toMatchObject({
      status: 'indexed',
      video: { video_id: answer.video_id, t_ms: 4000, shot_id: 2 },
    });
    const thumbnail = await fetch(video.frames[2]!.thumbnail_url);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    const original = await fetch(video.video_url);
    expect(original.status).toBe(200);
    expect(Buffer.from(await original.arrayBuffer()).equals(slides)).toBe(true);
    expect(original.headers.get('accept-ranges')).toBe('bytes');
    // Uploaded as application/octet-stream, served as what its bytes are.
    expect(original.headers.get('content-type')).toBe('video/mp4');
    // Players seek with ranges: one range is answered 206, an impossible one 416.
    const part = await fetch(video.video_url, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${slides.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(slides.subarray(100, 200))).toBe(true);
    const tail = await fetch(video.video_url, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(slides.subarray(slides.length - 10))).toBe(true);
    const beyond = await fetch(video.video_url, { headers: { range: `bytes=${slides.length + 10}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${slides.length}`);
  });

  interface VideoGroup {
    group_id: string;
    kind: string;
    media: string;
    suggested_keep: string;
    members: { image_id: string; video: { video_id: string; offset_ms: number } }[];
  }
  const groupIds: Record<string, string> = {};
  const ids: Record<string, string> = {};

  async function videoGroups(status = 'open'): Promise<VideoGroup[]> {
    const response = await api(`/api/dedup/groups?media=video&status=${status}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { groups: VideoGroup[] }).groups;
  }

  async function indexed(bytes: Buffer, name: string): Promise<string> {
    const response = await upload(bytes, name);
    const answer = (await response.json()) as VideoAnswer;
    expect({ name, status: response.status }).toEqual({ name, status: 202 });
    for (let i = 0; i < 600; i += 1) {
      const job = (await (await api(answer.status_url)).json()) as { state: string };
      if (job.state === 'succeeded') return answer.video_id;
      if (job.state === 'failed') throw new Error(`extraction of ${name} failed`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`extraction of ${name} did not finish`);
  }

  it('finds re-encoded and trimmed copies of a video with their offsets, and leaves an unrelated one out', async () => {
    const source = join(dir, 'slides.mp4');
    const original = await indexed(slides, 'original.mp4');
    const reencoded = await indexed(
      await readFile(variant(source, join(dir, 'crf.mp4'), { crf: 38 })),
      'crf.mp4',
    );
    const trimmed = await indexed(
      await readFile(variant(source, join(dir, 'trim.mp4'), { before: ['-ss', '3'] })),
      'trim.mp4',
    );
    const other = await indexed(
      await readFile(slideshow(join(dir, 'other.mp4'), devOriginals(12).slice(7), { secondsEach: 2 })),
      'other.mp4',
    );
    const response = await api(`/api/videos/${original}/duplicates`);
    expect(response.status).toBe(200);
    const { duplicates } = (await response.json()) as {
      duplicates: {
        video_id: string;
        offset_ms: number;
        matched_share: number;
        other_matched_share: number;
      }[];
    };
    const byId = new Map(duplicates.map((d) => [d.video_id, d]));
    expect(byId.get(reencoded)).toMatchObject({ offset_ms: 0 });
    expect(byId.get(reencoded)!.matched_share).toBeGreaterThan(0.95);
    expect(byId.get(trimmed)).toMatchObject({ offset_ms: -3000 });
    expect(byId.get(trimmed)!.other_matched_share).toBeGreaterThan(0.8);
    expect(byId.has(other)).toBe(false);
    expect(byId.has(original)).toBe(false);
    // The same from the copy's side: the original at the opposite offset.
    const fromTrim = (await (await api(`/api/videos/${trimmed}/duplicates`)).json()) as {
      duplicates: { video_id: string; offset_ms: number }[];
    };
    expect(fromTrim.duplicates.find((d) => d.video_id === original)).toMatchObject({ offset_ms: 3000 });

    // Resized and cropped copies join: the stored near group holds every variant with its offset
    // to the keep (the original: the largest frame, then the most bytes), the unrelated one none.
    const resized = await indexed(
      await readFile(variant(source, join(dir, 'half.mp4'), { filters: 'scale=160:120' })),
      'half.mp4',
    );
    const cropped = await indexed(
      await readFile(variant(source, join(dir, 'crop.mp4'), { filters: 'crop=iw*0.9:ih*0.9,scale=320:240' })),
      'crop.mp4',
    );
    const groups = await videoGroups();
    const near = groups.find((g) => g.kind === 'near');
    expect(near).toBeDefined();
    expect(near!.media).toBe('video');
    expect(near!.suggested_keep).toBe(original);
    const offsets = Object.fromEntries(near!.members.map((m) => [m.video.video_id, m.video.offset_ms]));
    expect(offsets).toEqual({ [original]: 0, [reencoded]: 0, [trimmed]: -3000, [resized]: 0, [cropped]: 0 });
    const poster = near!.members.find((m) => m.video.video_id === trimmed)!;
    expect((await api(`/api/images/${poster.image_id}`)).status).toBe(200);
    expect(groups.every((g) => g.members.every((m) => m.video.video_id !== other))).toBe(true);
    expect(groups.filter((g) => g.kind === 'near')).toHaveLength(1);
    groupIds.near = near!.group_id;
    Object.assign(ids, { original, reencoded, trimmed, resized, cropped, other });
  });

  it('reviews a video group like an image group: duplicates tagged, a not-duplicate split respected', async () => {
    const bad = await api(`/api/dedup/groups/${groupIds.near}/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keep: [ids.original], duplicates: [ids.other] }),
    });
    expect(bad.status).toBe(400);
    const resolved = await api(`/api/dedup/groups/${groupIds.near}/resolve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        keep: [ids.original],
        duplicates: [ids.reencoded],
        not_duplicate: [[ids.original, ids.cropped]],
      }),
    });
    expect(resolved.status).toBe(200);
    expect(((await resolved.json()) as { status: string }).status).toBe('resolved');
    const copy = (await (await api(`/api/videos/${ids.reencoded}`)).json()) as { tags: string[] };
    expect(copy.tags).toContain('duplicate');
    expect((await videoGroups()).find((g) => g.group_id === groupIds.near)).toBeUndefined();
    expect((await videoGroups('resolved')).find((g) => g.group_id === groupIds.near)).toBeDefined();
  });

  it('deletes a video whole: frames, thumbnails, vectors and its place in open groups', async () => {
    const before = await imageCount();
    const video = (await (await api(`/api/videos/${ids.resized}`)).json()) as {
      frames: { image_id: string; thumbnail_url: string }[];
      video_url: string;
    };
    expect(video.frames.length).toBeGreaterThan(0);
    const response = await api(`/api/videos/${ids.resized}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      video_id: ids.resized,
      deleted: true,
      frames_deleted: video.frames.length,
    });
    expect((await api(`/api/videos/${ids.resized}`)).status).toBe(404);
    expect((await api(`/api/videos/${ids.resized}`, { method: 'DELETE' })).status).toBe(404);
    expect((await api(`/api/images/${video.frames[0]!.image_id}`)).status).toBe(404);
    expect(await imageCount()).toBe(before - video.frames.length);
    expect((await fetch(video.video_url)).status).toBe(404);
    expect((await fetch(video.frames[0]!.thumbnail_url)).status).toBe(404);
    for (const group of await videoGroups()) {
      expect(group.members.map((m) => m.video.video_id)).not.toContain(ids.resized);
    }
  });

  it('ingests a video that arrives in a batch, and groups search hits per video', async () => {
    const presign = (await (
      await api('/api/videos/presign', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          filename: 'batch-clip.mp4',
          content_type: 'video/mp4',
          size_bytes: slides.length,
        }),
      })
    ).json()) as { url: string; key: string; bucket: string; headers?: Record<string, string> };
    const put = await fetch(presign.url, { method: 'PUT', headers: presign.headers ?? {}, body: slides });
    expect(put.ok).toBe(true);
    const batch = await api('/api/images/ingest/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ bucket: presign.bucket, key: presign.key }] }),
    });
    expect(batch.status).toBe(202);
    const { status_url } = (await batch.json()) as { status_url: string };
    let job = { state: '', done: 0, failures: [] as unknown[] };
    for (let i = 0; i < 300 && job.state !== 'succeeded' && job.state !== 'failed'; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      job = (await (await api(status_url)).json()) as typeof job;
    }
    expect(job).toMatchObject({ state: 'succeeded', done: 1, failures: [] });
    // The bytes are the original's: the batch item is that video again, not a new one.
    const listed = (await (await api('/api/videos?limit=100')).json()) as { videos: { video_id: string }[] };
    expect(listed.videos.map((v) => v.video_id)).toContain(ids.original);

    const frame = (await (await api(`/api/videos/${ids.original}`)).json()) as {
      frames: { image_id: string }[];
    };
    const search = (body: object) =>
      api('/api/search/similar', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image_id: frame.frames[1]!.image_id, limit: 50, ...body }),
      }).then(async (r) => {
        const answer = (await r.json()) as {
          hits: { video?: { video_id: string }; video_frames?: number }[];
        };
        expect({ status: r.status, answer }).toMatchObject({ status: 200 });
        return answer;
      });
    const plain = await search({});
    const grouped = await search({ group_by_video: true });
    const perVideo = (hits: { video?: { video_id: string } }[]) =>
      hits.filter((h) => h.video).map((h) => h.video!.video_id);
    expect(new Set(perVideo(plain.hits)).size).toBeLessThan(perVideo(plain.hits).length);
    expect(perVideo(grouped.hits)).toEqual([...new Set(perVideo(grouped.hits))]);
    expect(new Set(perVideo(grouped.hits))).toEqual(new Set(perVideo(plain.hits)));
    expect(grouped.hits.filter((h) => h.video).every((h) => (h.video_frames ?? 0) >= 1)).toBe(true);
  });

  it('refuses bad videos with problem+json and stores nothing', async () => {
    const before = await imageCount();
    const cases: [Buffer, string, number, string][] = [
      [await readFile(join(BAD_INPUTS, 'truncated.jpg')), 'photo.mp4', 415, 'unsupported_media_type'],
      [await readFile(join(BAD_INPUTS, 'xxe.svg')), 'vector.mp4', 415, 'unsupported_media_type'],
      [await readFile(truncated(slides, join(dir, 'cut.mp4'), 3000)), 'cut.mp4', 422, 'unprocessable'],
      [Buffer.alloc(0), 'empty.mp4', 400, 'invalid_argument'],
    ];
    for (const [bytes, name, status, code] of cases) {
      const response = await upload(bytes, name);
      expect({ name, status: response.status }).toEqual({ name, status });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(((await response.json()) as { code: string }).code).toBe(code);
    }
    expect(await imageCount()).toBe(before);
    expect((await api('/api/videos/not-a-ulid')).status).toBe(400);
    expect((await api('/api/videos/01J0000000000000000000000Z')).status).toBe(404);
  });
});
