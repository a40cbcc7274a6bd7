import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import type { IngestResponse } from '@/api/types';

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
    await user.upload(screen.getByLabelText('Choose images to upload'), [
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
    await user.upload(screen.getByLabelText('Choose images to upload'), [jpeg('scan.jpg')]);

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
    await user.upload(screen.getByLabelText('Choose images to upload'), [jpeg('later.jpg')]);
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
    await user.upload(screen.getByLabelText('Choose images to upload'), [jpeg('huge.jpg')]);
    const failure = await screen.findByRole('alert');
    expect(failure).toHaveTextContent('EntityTooLarge');
    expect(failure).toHaveTextContent('exceeds the maximum allowed size');
  });
});
