import { http, HttpResponse } from 'msw';

import { embeddingMap, feedbackEntry, imageRecord, models, stats, videoRecord } from './fixtures';

export const origin = 'http://localhost:3000';
export const url = (path: string) => `${origin}${path}`;

export function problemResponse(status: number, title: string, detail: string) {
  return HttpResponse.json(
    { type: 'about:blank', title, status, detail, request_id: 'req-123' },
    { status, headers: { 'content-type': 'application/problem+json' } },
  );
}

// What every view can rely on unless a test says otherwise.
export const defaultHandlers = [
  http.get(url('/api/config'), () => HttpResponse.json({ run_mode: 'distributed', dev_login: true })),
  http.get(url('/api/models'), () => HttpResponse.json(models)),
  http.get(url('/api/images'), () => HttpResponse.json({ images: [] })),
  http.get(url('/api/images/:id'), ({ params }) => HttpResponse.json(imageRecord(String(params.id)))),
  http.get(url('/api/feedback'), ({ request }) => {
    const imageId = new URL(request.url).searchParams.get('image_id') ?? '';
    return HttpResponse.json({ entries: [feedbackEntry(imageId, 'relevant')], next_cursor: '' });
  }),
  http.get(url('/api/dedup/groups'), () => HttpResponse.json({ groups: [], next_cursor: '' })),
  http.post(url('/api/search/similar'), () =>
    HttpResponse.json({ query_id: 'q1', hits: [], model_name: 'clip-vit-b32' }),
  ),
  http.get(url('/api/videos'), () => HttpResponse.json({ videos: [] })),
  http.get(url('/api/videos/:id'), ({ params }) => HttpResponse.json(videoRecord(String(params.id)))),
  http.get(url('/api/videos/:id/duplicates'), () => HttpResponse.json({ duplicates: [] })),
  http.get(url('/api/stats'), ({ request }) => {
    const window = new URL(request.url).searchParams.get('window');
    return HttpResponse.json(stats(window === '24h' || window === '30d' ? window : '7d'));
  }),
  http.get(url('/api/stats/map'), () => HttpResponse.json(embeddingMap(12))),
];
