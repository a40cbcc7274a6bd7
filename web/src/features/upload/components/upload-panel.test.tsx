import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import type { IngestResponse, VideoIngestResponse } from '@/api/types';

import { extractionJob } from '../../../../test/fixtures';

import { problemResponse, url } from '../../../../test/handlers';
import { server } from '../../../../test/msw-server';
import { renderView } from '../../../../test/render';
import { UploadPanel } from './upload-panel';

const jpeg = (name: string, size = 2048) =>
  new File([new Uint8Array(size).fill(7)], name, { type: 'image/jpeg' });

function stack(ingest: (key: string, tags: string[]) => Response | IngestResponse) {
  const uploaded: { key: string; contentType: string | null }[] = [];
  let n = 0;
  server.use(
    http.post(url('/api/images/presign'), async ({ request }) => {
      const body = (await request.json()) as { filename: string; size_bytes: number; content_type: string };
      n += 1;
      const key = `reviewer/${n}-${body.filename}`;
      return HttpResponse.json({
        bucket: 'images',
        key,
        url: url(`/objects/${encodeURIComponent(key)}`),
        method: 'PUT',
        headers: { 'content-type': body.content_type },
        fields: {},
        expires_at: '2030-01-01T00:00:00Z',
        max_bytes: 50_000_000,
      });
    }),
    http.put(url('/objects/:key'), ({ request, params }) => {
      // MSW's XMLHttpRequest interceptor cannot read jsdom's File bodies, so the bytes themselves are
      // checked by the browser end-to-end test; here the request's target and headers are.
      uploaded.push({
        key: decodeURIComponent(String(params.key)),
        contentType: request.headers.get('content-type'),
      });
      return new HttpResponse(null, { status: 200 });
    }),
    http.post(url('/api/images/ingest'), async ({ request }) => {
      const body = (await request.json()) as { key: string; tags: string[] };
      const result = ingest(body.key, body.tags);
      return result instanceof Response ? result : HttpResponse.json(result);
    }),
  );
  return uploaded;
}

describe('upload view', () => {
  it('uploads each file through presign, the object store and ingest, and reports created and duplicate outcomes', async () => {
    const tagsSeen: string[][] = [];
    const uploaded = stack((key, tags) => {
      tagsSeen.push(tags);
      return key.includes('copy')
        ? {
            image_id: 'IMG_COPY',
            status: 'duplicate',
            duplicate_of: 'IMG_ORIGINAL',
            near_duplicates: [],
            duplicate_check: 'skipped',
          }
        : { image_id: 'IMG_ORIGINAL', status: 'created', near_duplicates: [], duplicate_check: 'ok' };
    });
    const { user } = renderView(<UploadPanel />);

    expect(screen.getByText('Nothing uploaded yet')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Batch tags'), 'spring, studio');
    await user.upload(screen.getByLabelText('Choose images or videos to upload'), [
      jpeg('original.jpg', 4096),
      jpeg('copy.jpg'),
    ]);

    await waitFor(() => expect(screen.getByTestId('summary-created')).toHaveTextContent('1'));
    await waitFor(() => expect(screen.getByTestId('summary-duplicate')).toHaveTextContent('1'));

    const rows = screen.getAllByTestId('upload-row');
    const duplicateRow = rows.find((r) => r.dataset.status === 'duplicate')!;
    expect(within(duplicateRow).getByRole('link', { name: 'IMG_ORIGINAL' })).toHaveAttribute(
      'href',
      '/images/IMG_ORIGINAL',
    );
    expect(uploaded.map((u) => u.key.replace(/^reviewer\/\d+-/, '')).sort()).toEqual([
      'copy.jpg',
      'original.jpg',
    ]);
    expect(uploaded.every((u) => u.contentType === 'image/jpeg')).toBe(true);
    expect(tagsSeen).toEqual([
      ['spring', 'studio'],
      ['spring', 'studio'],
    ]);
    expect(screen.getByTestId('summary-failed')).toHaveTextContent('0');
  });

  it("shows the server's reason for a rejected file and uploads it again on retry", async () => {
    let attempts = 0;
    stack(() => {
      attempts += 1;
      return attempts === 1
        ? problemResponse(
            415,
            'Unsupported media type',
            'The bytes are not an image format Lookalike accepts (detected: pdf).',
          )
        : {
            image_id: 'IMG_OK',
            status: 'created',
            near_duplicates: [{ image_id: 'IMG_NEAR', kind: 'near', hamming: 4, cosine: 0.97 }],
            duplicate_check: 'ok',
          };
    });
    const { user } = renderView(<UploadPanel />);
    await user.upload(screen.getByLabelText('Choose images or videos to upload'), [jpeg('scan.jpg')]);

    const failure = await screen.findByRole('alert');
    expect(failure).toHaveTextContent('Unsupported media type');
    expect(failure).toHaveTextContent('detected: pdf');
    expect(failure).toHaveTextContent('req-123');
    expect(screen.getByTestId('summary-failed')).toHaveTextContent('1');

    await user.click(screen.getByRole('button', { name: 'Retry scan.jpg' }));
    await waitFor(() => expect(screen.getByTestId('summary-created')).toHaveTextContent('1'));
    expect(screen.getByTestId('summary-failed')).toHaveTextContent('0');
    expect(screen.getByText(/looks like/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'IMG_NEAR' })).toHaveAttribute('href', '/images/IMG_NEAR');
  });

  it('says when the duplicate check was unavailable instead of implying there are no look-alikes', async () => {
    stack(() => ({
      image_id: 'IMG_OK',
      status: 'created',
      near_duplicates: [],
      duplicate_check: 'unavailable',
    }));
    const { user } = renderView(<UploadPanel />);
    await user.upload(screen.getByLabelText('Choose images or videos to upload'), [jpeg('later.jpg')]);
    await waitFor(() => expect(screen.getByTestId('summary-created')).toHaveTextContent('1'));
    expect(screen.getByText(/look-alike check unavailable/)).toBeInTheDocument();
    expect(screen.queryByText(/looks like/)).not.toBeInTheDocument();
  });

  it('reports an object-store refusal with its own message', async () => {
    stack(() => ({ image_id: 'never', status: 'created', near_duplicates: [], duplicate_check: 'ok' }));
    server.use(
      http.put(
        url('/objects/:key'),
        () =>
          new HttpResponse(
            '<?xml version="1.0"?><Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>',
            { status: 400, headers: { 'content-type': 'application/xml' } },
          ),
      ),
    );
    const { user } = renderView(<UploadPanel />);
    await user.upload(screen.getByLabelText('Choose images or videos to upload'), [jpeg('huge.jpg')]);
    const failure = await screen.findByRole('alert');
    expect(failure).toHaveTextContent('EntityTooLarge');
    expect(failure).toHaveTextContent('exceeds the maximum allowed size');
  });
});

const video = (name: string, type = 'video/mp4', size = 4096) =>
  new File([new Uint8Array(size).fill(3)], name, { type });

/** `POST /api/videos` and `GET /api/jobs/:id`, the job's state set by the test as it goes. */
function videoStack(answer: () => Response | VideoIngestResponse = () => videoAccepted('VID_1')) {
  const sent: { authorization: string | null; contentType: string | null; tags: unknown; file: unknown }[] =
    [];
  const job = { current: extractionJob('JOB_1'), polls: 0 };
  server.use(
    http.post(url('/api/videos'), async ({ request }) => {
      let tags: unknown;
      let file: unknown;
      try {
        const form = await request.formData();
        tags = form.get('tags');
        // The part's type and presence; its bytes are not readable here (see the first test).
        const part = form.get('file');
        file = typeof part === 'object' && part ? part.type : part;
      } catch {
        tags = 'unreadable';
      }
      sent.push({
        authorization: request.headers.get('authorization'),
        contentType: request.headers.get('content-type'),
        tags,
        file,
      });
      const result = answer();
      return result instanceof Response ? result : HttpResponse.json(result, { status: 202 });
    }),
    http.get(url('/api/jobs/:id'), ({ params }) => {
      job.polls += 1;
      return HttpResponse.json({ ...job.current, job_id: String(params.id) });
    }),
  );
  return { sent, job };
}

const videoAccepted = (
  id: string,
  status: VideoIngestResponse['status'] = 'created',
): VideoIngestResponse => ({
  video_id: id,
  status,
  job_id: 'JOB_1',
  status_url: '/api/jobs/JOB_1',
});

const fastPolls = { pollIntervalMs: 10 };

describe('upload view with videos', () => {
  it('sends a video to POST /api/videos, follows its frame extraction and links the video page', async () => {
    const { sent, job } = videoStack();
    const { user } = renderView(<UploadPanel queueOptions={fastPolls} />);
    await user.type(screen.getByLabelText('Batch tags'), 'holiday');
    await user.upload(screen.getByLabelText('Choose images or videos to upload'), [video('beach.mp4')]);

    const row = await screen.findByTestId('upload-row');
    expect(row).toHaveAttribute('data-kind', 'video');
    expect(within(row).getByText(/Video ·/)).toBeInTheDocument();
    // Accepted: the job has not found the key frames yet.
    expect(await within(row).findByText('Uploaded. Finding the key frames…')).toBeInTheDocument();
    expect(within(row).getByText('Extracting frames')).toBeInTheDocument();
    expect(screen.getByTestId('summary-created')).toHaveTextContent('0');

    job.current = extractionJob('JOB_1', { done: 1, total: 3 });
    expect(await within(row).findByText('Extracting frames: 1 of 3 indexed')).toBeInTheDocument();
    expect(within(row).getByRole('progressbar', { name: 'Frame extraction of beach.mp4' })).toHaveAttribute(
      'data-value',
      '33',
    );

    job.current = extractionJob('JOB_1', { state: 'succeeded', done: 3, total: 3 });
    await waitFor(() => expect(row).toHaveAttribute('data-status', 'created'));
    expect(within(row).getByRole('link', { name: 'VID_1' })).toHaveAttribute('href', '/videos/VID_1');
    expect(row).toHaveTextContent('Added as video VID_1 · 3 key frames indexed');
    expect(screen.getByTestId('summary-created')).toHaveTextContent('1');

    // Polling stops once the job has an outcome.
    const polls = job.polls;
    await new Promise((r) => setTimeout(r, 60));
    expect(job.polls).toBe(polls);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.authorization).toBe('Bearer test-token');
    expect(sent[0]!.contentType).toMatch(/^multipart\/form-data/);
    expect(sent[0]!.tags).toBe('["holiday"]');
    expect(sent[0]!.file).toBe('video/mp4');
  });

  it('takes a video by its extension when the browser gives no type, and reports a duplicate upload', async () => {
    videoStack(() => videoAccepted('VID_OLD', 'duplicate'));
    server.use(
      http.get(url('/api/jobs/:id'), () =>
        HttpResponse.json(extractionJob('JOB_1', { state: 'succeeded', done: 2, total: 2 })),
      ),
    );
    const { user } = renderView(<UploadPanel queueOptions={fastPolls} />);
    await user.upload(screen.getByLabelText('Choose images or videos to upload'), [video('talk.mkv', '')]);
    const row = await screen.findByTestId('upload-row');
    await waitFor(() => expect(row).toHaveAttribute('data-status', 'duplicate'));
    expect(row).toHaveTextContent('Duplicate of video VID_OLD');
    expect(within(row).getByRole('link', { name: 'VID_OLD' })).toHaveAttribute('href', '/videos/VID_OLD');
    expect(screen.getByTestId('summary-duplicate')).toHaveTextContent('1');
  });

  it("shows the server's problem for a refused video and sends it again on retry", async () => {
    let attempts = 0;
    const { job } = videoStack(() => {
      attempts += 1;
      return attempts === 1
        ? problemResponse(
            422,
            'Unprocessable content',
            'The video is 45 minutes long; the limit is 30 minutes',
          )
        : videoAccepted('VID_2');
    });
    job.current = extractionJob('JOB_1', { state: 'succeeded', done: 1, total: 1 });
    const { user } = renderView(<UploadPanel queueOptions={fastPolls} />);
    await user.upload(screen.getByLabelText('Choose images or videos to upload'), [
      video('long.mov', 'video/quicktime'),
    ]);

    const failure = await screen.findByRole('alert');
    expect(failure).toHaveTextContent('Unprocessable content');
    expect(failure).toHaveTextContent('the limit is 30 minutes');
    expect(failure).toHaveTextContent('req-123');
    await user.click(screen.getByRole('button', { name: 'Retry long.mov' }));
    await waitFor(() => expect(screen.getByTestId('summary-created')).toHaveTextContent('1'));
    expect(screen.getByRole('link', { name: 'VID_2' })).toHaveAttribute('href', '/videos/VID_2');
  });

  it('says why the frame extraction failed, without a retry that would meet the same job', async () => {
    const { job } = videoStack();
    job.current = extractionJob('JOB_1', {
      state: 'failed',
      error: 'ffmpeg exited with code 1: Invalid data found when processing input',
    });
    const { user } = renderView(<UploadPanel queueOptions={fastPolls} />);
    await user.upload(screen.getByLabelText('Choose images or videos to upload'), [
      video('broken.webm', 'video/webm'),
    ]);
    const failure = await screen.findByRole('alert');
    expect(failure).toHaveTextContent('Frame extraction failed');
    expect(failure).toHaveTextContent('Invalid data found when processing input');
    expect(screen.queryByRole('button', { name: 'Retry broken.webm' })).not.toBeInTheDocument();
    expect(screen.getByTestId('summary-failed')).toHaveTextContent('1');
  });

  it('sends a video over 256 MiB through presign, the object store and ingest', async () => {
    const { job } = videoStack();
    job.current = extractionJob('JOB_1', { state: 'succeeded', done: 5, total: 5 });
    let ingested: unknown;
    server.use(
      http.post(url('/api/videos/presign'), async ({ request }) => {
        const body = (await request.json()) as { size_bytes: number };
        return HttpResponse.json({
          bucket: 'images',
          key: 'reviewer/big.mp4',
          url: url('/objects/big.mp4'),
          method: 'PUT',
          headers: {},
          fields: {},
          expires_at: '2030-01-01T00:00:00Z',
          max_bytes: body.size_bytes,
        });
      }),
      http.put(url('/objects/:key'), () => new HttpResponse(null, { status: 200 })),
      http.post(url('/api/videos/ingest'), async ({ request }) => {
        ingested = await request.json();
        return HttpResponse.json(videoAccepted('VID_BIG'), { status: 202 });
      }),
    );
    const big = video('big.mp4');
    Object.defineProperty(big, 'size', { value: 300 * 1024 * 1024 });
    const { user } = renderView(<UploadPanel queueOptions={fastPolls} />);
    await user.upload(screen.getByLabelText('Choose images or videos to upload'), [big]);
    await waitFor(() => expect(screen.getByTestId('summary-created')).toHaveTextContent('1'));
    expect(ingested).toEqual({ bucket: 'images', key: 'reviewer/big.mp4', tags: [] });
    expect(screen.getByRole('link', { name: 'VID_BIG' })).toHaveAttribute('href', '/videos/VID_BIG');
  });

  it('turns away a file that is neither an image nor a video', async () => {
    renderView(<UploadPanel />);
    // As a drop would: the file picker's own filter (the accept attribute) is not applied.
    const user = userEvent.setup({ applyAccept: false });
    await user.upload(screen.getByLabelText('Choose images or videos to upload'), [
      new File(['%PDF'], 'notes.pdf', { type: 'application/pdf' }),
    ]);
    const failure = await screen.findByRole('alert');
    expect(failure).toHaveTextContent('Neither an image nor a video (application/pdf)');
    expect(screen.queryByRole('button', { name: 'Retry notes.pdf' })).not.toBeInTheDocument();
  });
});
