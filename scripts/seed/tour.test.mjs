// node --test scripts/seed/   (the pure parts of `make seed`; seed.mjs itself needs a running stack)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  classifyUploadFailure,
  contentTypeFor,
  formatAnomaly,
  formatGroup,
  formatHits,
  imageFiles,
  jobFinished,
  namesById,
  pickGroup,
  pickQueryImage,
  problemLine,
  retryDelayMs,
  summarize,
  unreachableLine,
} from './tour.mjs';

test('imageFiles keeps image extensions only, sorted, and honours the limit', () => {
  const names = ['b.PNG', 'a.jpg', '.hidden.jpg', 'README.md', 'truth.json', 'c.webp', 'd.svg'];
  assert.deepEqual(imageFiles(names), ['a.jpg', 'b.PNG', 'c.webp']);
  assert.deepEqual(imageFiles(names, 2), ['a.jpg', 'b.PNG']);
});

test('contentTypeFor maps by extension, case-insensitively, with a neutral fallback', () => {
  assert.equal(contentTypeFor('x.JPEG'), 'image/jpeg');
  assert.equal(contentTypeFor('x.tif'), 'image/tiff');
  assert.equal(contentTypeFor('noext'), 'application/octet-stream');
});

test('classifyUploadFailure separates refused images, retryable answers and fatal errors', () => {
  for (const status of [400, 413, 415, 422]) assert.equal(classifyUploadFailure(status), 'rejected');
  for (const status of [429, 503]) assert.equal(classifyUploadFailure(status), 'retry');
  for (const status of [401, 403, 404, 500, 504]) assert.equal(classifyUploadFailure(status), 'fatal');
});

test('retryDelayMs follows Retry-After (capped at 30 s) and backs off without it', () => {
  assert.equal(retryDelayMs('2', 0), 2000);
  assert.equal(retryDelayMs('600', 0), 30_000);
  assert.equal(retryDelayMs(null, 0), 500);
  assert.equal(retryDelayMs(null, 3), 4000);
  assert.equal(retryDelayMs('soon', 10), 8000);
});

test('problemLine names the call, the status and the problem body on one line', () => {
  assert.equal(
    problemLine('POST', '/api/images', 503, { code: 'busy', detail: 'queue full', request_id: 'r1' }),
    'POST /api/images -> 503 busy: queue full (request id r1)',
  );
  assert.equal(problemLine('GET', '/readyz', 502, 'Bad gateway\n<html>'), 'GET /readyz -> 502 Bad gateway');
  assert.equal(problemLine('GET', '/x', 500, undefined), 'GET /x -> 500');
});

test('unreachableLine reports the network cause', () => {
  const error = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  const line = unreachableLine('http://127.0.0.1:8080', error);
  assert.match(line, /^no Lookalike stack answers at http:\/\/127\.0\.0\.1:8080 \(ECONNREFUSED\)/);
  assert.ok(!line.includes('\n'));
});

const uploads = [
  { file: 'astronaut__blur.jpg', outcome: 'created', imageId: 'B' },
  { file: 'astronaut.jpg', outcome: 'created', imageId: 'A' },
  { file: 'astronaut-again.jpg', outcome: 'duplicate', imageId: 'A', duplicateOf: 'A' },
  { file: 'broken.jpg', outcome: 'rejected', reason: 'x' },
];

test('summarize counts each outcome', () => {
  assert.deepEqual(summarize(uploads), { created: 2, duplicate: 1, rejected: 1 });
});

test('namesById keeps the first file name per image id', () => {
  const names = namesById(uploads);
  assert.equal(names.get('A'), 'astronaut.jpg');
  assert.equal(names.get('B'), 'astronaut__blur.jpg');
  assert.equal(names.size, 2);
});

test('pickQueryImage prefers an original over a transformed copy, and skips rejected files', () => {
  assert.deepEqual(pickQueryImage(uploads), { id: 'A', file: 'astronaut.jpg' });
  assert.deepEqual(pickQueryImage([uploads[3], uploads[0]]), { id: 'B', file: 'astronaut__blur.jpg' });
  assert.equal(pickQueryImage([uploads[3]]), undefined);
});

test('pickGroup takes the surest tier first, then the largest group in it', () => {
  const m = (n) => Array.from({ length: n }, (_, i) => ({ image_id: `i${i}` }));
  const groups = [
    { group_id: 'g1', kind: 'near', members: m(3) },
    { group_id: 'g2', kind: 'near', members: m(4) },
    { group_id: 'g3', kind: 'similar', members: m(9) },
  ];
  assert.equal(pickGroup(groups).group_id, 'g2');
  assert.equal(pickGroup([...groups, { group_id: 'g4', kind: 'exact', members: m(2) }]).group_id, 'g4');
  assert.equal(pickGroup([groups[2]]).group_id, 'g3');
  assert.equal(pickGroup([]), undefined);
});

test('jobFinished is true for terminal states only', () => {
  assert.equal(jobFinished({ state: 'running' }), false);
  assert.equal(jobFinished({ state: 'queued' }), false);
  for (const state of ['succeeded', 'failed', 'cancelled']) assert.equal(jobFinished({ state }), true);
});

test('the formatters label ids with file names and mark the suggested keep', () => {
  const names = namesById(uploads);
  const group = {
    group_id: 'g',
    kind: 'near',
    suggested_keep: 'A',
    members: [
      { image_id: 'A', hamming: 0, cosine: 1 },
      { image_id: 'B', hamming: 4, cosine: 0.91234 },
    ],
  };
  const lines = formatGroup(group, names);
  assert.equal(lines[0], 'near group g, 2 images, suggested keep: astronaut.jpg (A)');
  assert.match(lines[1], /^ {2}\* astronaut\.jpg \(A\) {2}hamming 0 {2}cosine 1\.000$/);
  assert.match(lines[2], /^ {4}astronaut__blur\.jpg \(B\) {2}hamming 4 {2}cosine 0\.912$/);
  assert.deepEqual(formatHits([{ image_id: 'Z', score: 0.5 }], names), ['   1. 0.500  Z']);
  assert.deepEqual(formatHits([], names), ['  (no hits)']);
  const anomaly = formatAnomaly(
    {
      image_id: 'B',
      score: 0.87,
      components: { dnn: 0.9, density: 0.8, ood: 0.7, quality: 0.1 },
      quality_flags: ['blurry'],
    },
    names,
  );
  assert.equal(anomaly[0], 'astronaut__blur.jpg (B)  score 0.870');
  assert.match(anomaly[1], /dnn 0\.900, density 0\.800, ood 0\.700, quality 0\.100; quality flags: blurry/);
});
