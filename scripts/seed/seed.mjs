#!/usr/bin/env node
// `make seed`: loads the sample images into a RUNNING stack through the public API and prints a
// tour (upload outcomes, a duplicate group, a similar-image search, a text search, the top anomaly).
//
//   SEED_URL          the gateway (default http://127.0.0.1:8080)
//   SEED_USER         dev-login user id (default demo); SEED_TOKEN skips dev login (production auth)
//   SEED_DIR          folder of images (default deploy/seed/images, else ../shared/datasets/dev-nearcopies/images)
//   SEED_LIMIT        load at most this many files (default all)
//   SEED_CONCURRENCY  uploads in flight (default 2)
//   SEED_TEXT         the text query (default "an astronaut")
//   SEED_JOB_TIMEOUT_S how long to wait for each job (dedup sweep, anomaly recompute; default 300)
//
// Exits non-zero with one line on stderr when the stack does not answer or an endpoint answers an
// error; an image the server refuses (400/413/415/422) is counted as rejected, not a failure.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  SeedError,
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

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const env = process.env;
const baseUrl = (env.SEED_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const user = env.SEED_USER || 'demo';
const limit = env.SEED_LIMIT ? Number(env.SEED_LIMIT) : Infinity;
const concurrency = Math.max(1, Number(env.SEED_CONCURRENCY || 2));
const textQuery = env.SEED_TEXT || 'an astronaut';
const jobTimeoutMs = Number(env.SEED_JOB_TIMEOUT_S || 300) * 1000;
const MAX_RETRIES = 8;

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const print = (line = '') => process.stdout.write(`${line}\n`);

function imageDir() {
  const candidates = [
    env.SEED_DIR && resolve(env.SEED_DIR),
    join(root, 'deploy/seed/images'),
    resolve(root, '../shared/datasets/dev-nearcopies/images'),
  ].filter(Boolean);
  for (const dir of candidates) {
    if (existsSync(dir) && imageFiles(readdirSync(dir)).length > 0) return dir;
  }
  throw new SeedError(`no sample images found (looked in ${candidates.join(', ')}); set SEED_DIR`);
}

/** One HTTP call; answers {status, body, headers}; a network failure is a SeedError. */
async function call(method, path, { token, json, form, expectError = false } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(120_000),
    });
  } catch (error) {
    if (error?.name === 'TimeoutError') throw new SeedError(`${method} ${path} did not answer within 120 s`);
    throw new SeedError(unreachableLine(baseUrl, error));
  }
  const text = await response.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text for the error line
  }
  if (!response.ok && !expectError) throw new SeedError(problemLine(method, path, response.status, parsed));
  return { status: response.status, body: parsed, headers: response.headers };
}

async function login() {
  if (env.SEED_TOKEN) return env.SEED_TOKEN;
  const { status, body } = await call('POST', '/api/auth/dev-login', {
    json: { user_id: user },
    expectError: true,
  });
  if (status === 404) {
    throw new SeedError(
      'dev login is disabled on this stack (AUTH_DEV_LOGIN=false): set SEED_TOKEN to a bearer token',
    );
  }
  if (status !== 200 || !body?.access_token)
    throw new SeedError(problemLine('POST', '/api/auth/dev-login', status, body));
  return body.access_token;
}

async function uploadOne(token, dir, file) {
  const bytes = readFileSync(join(dir, file));
  for (let attempt = 0; ; attempt += 1) {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: contentTypeFor(file) }), file);
    form.append('tags', JSON.stringify(['seed']));
    const { status, body, headers } = await call('POST', '/api/images', { token, form, expectError: true });
    if (status === 200 || status === 201) {
      return {
        file,
        outcome: body.status === 'duplicate' ? 'duplicate' : 'created',
        imageId: body.image_id,
        duplicateOf: body.duplicate_of,
      };
    }
    const kind = classifyUploadFailure(status);
    if (kind === 'rejected')
      return { file, outcome: 'rejected', reason: problemLine('POST', '/api/images', status, body) };
    if (kind === 'retry' && attempt < MAX_RETRIES) {
      await sleep(retryDelayMs(headers.get('retry-after'), attempt));
      continue;
    }
    throw new SeedError(`${file}: ${problemLine('POST', '/api/images', status, body)}`);
  }
}

async function uploadAll(token, dir, files) {
  const results = new Array(files.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      results[i] = await uploadOne(token, dir, files[i]);
      done += 1;
      if (process.stdout.isTTY) process.stdout.write(`\r  uploaded ${done}/${files.length}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  if (process.stdout.isTTY) process.stdout.write('\r');
  return results;
}

async function waitForJob(token, jobId, what) {
  const deadline = Date.now() + jobTimeoutMs;
  for (;;) {
    const { body: job } = await call('GET', `/api/jobs/${encodeURIComponent(jobId)}`, { token });
    if (jobFinished(job)) {
      if (job.state !== 'succeeded') {
        throw new SeedError(`${what} job ${jobId} ended ${job.state}${job.error ? `: ${job.error}` : ''}`);
      }
      return job;
    }
    if (Date.now() > deadline) {
      throw new SeedError(`${what} job ${jobId} still ${job.state} after ${jobTimeoutMs / 1000} s`);
    }
    await sleep(500);
  }
}

async function main() {
  const started = Date.now();
  if (!(limit > 0) || (limit !== Infinity && !Number.isInteger(limit))) {
    throw new SeedError(`SEED_LIMIT must be a positive whole number, not "${env.SEED_LIMIT}"`);
  }
  await call('GET', '/readyz');
  const token = await login();
  const { body: model } = await call('GET', '/api/models', { token });
  const dir = imageDir();
  const files = imageFiles(readdirSync(dir), limit);

  print(`Lookalike seed: ${baseUrl} ${env.SEED_TOKEN ? 'with SEED_TOKEN' : `as user "${user}"`}`);
  print(
    `Model: ${model.name} ${model.version ?? ''} (${model.dim}-d, ${model.device}), text search ${model.text_available ? 'available' : 'not available'}`,
  );
  print();
  print(`1. Upload ${files.length} images from ${dir} (POST /api/images, ${concurrency} at a time)`);
  const uploads = await uploadAll(token, dir, files);
  const counts = summarize(uploads);
  print(`   created ${counts.created}, duplicate ${counts.duplicate}, rejected ${counts.rejected}`);
  for (const upload of uploads.filter((u) => u.outcome === 'rejected').slice(0, 5)) {
    print(`   rejected ${upload.file}: ${upload.reason}`);
  }
  const names = namesById(uploads);
  if (names.size === 0) throw new SeedError('no image was stored, so there is nothing to tour');

  print();
  print('2. Duplicate sweep (POST /api/dedup/scan, then GET /api/jobs/{id})');
  const { body: scan } = await call('POST', '/api/dedup/scan', { token });
  const job = await waitForJob(token, scan.job_id, 'dedup sweep');
  print(`   job ${job.job_id} ${job.state}${job.total ? ` (${job.done}/${job.total})` : ''}`);
  const { body: groupList } = await call('GET', '/api/dedup/groups?limit=200', { token });
  const byKind = {};
  for (const group of groupList.groups) byKind[group.kind] = (byKind[group.kind] ?? 0) + 1;
  print(
    `   ${groupList.groups.length}${groupList.next_cursor ? '+' : ''} open groups: ${
      Object.entries(byKind)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || 'none'
    }`,
  );
  const group = pickGroup(groupList.groups);
  if (group) for (const line of formatGroup(group, names)) print(`   ${line}`);

  print();
  const query = pickQueryImage(uploads);
  print(`3. Similar to ${query.file} (POST /api/search/similar {image_id})`);
  const { body: similar } = await call('POST', '/api/search/similar', {
    token,
    json: { image_id: query.id, limit: 8 },
  });
  for (const line of formatHits(similar.hits, names)) print(`   ${line}`);

  print();
  if (model.text_available) {
    print(`4. Text search "${textQuery}" (POST /api/search/similar {text_query})`);
    const { body: text } = await call('POST', '/api/search/similar', {
      token,
      json: { text_query: textQuery, limit: 5 },
    });
    for (const line of formatHits(text.hits, names)) print(`   ${line}`);
  } else {
    print(`4. Text search: not available with ${model.name} (GET /api/models says)`);
    print(`   ${model.text_unavailable_reason || 'the active model has no text encoder'}`);
  }

  print();
  // Scores written during the upload saw only the images before each one; recompute over the whole set.
  print('5. Top anomaly (POST /api/qa/anomalies/recompute, then GET /api/qa/anomalies)');
  const { body: recompute } = await call('POST', '/api/qa/anomalies/recompute', { token });
  await waitForJob(token, recompute.job_id, 'anomaly recompute');
  const { body: anomalies } = await call('GET', '/api/qa/anomalies?limit=3', { token });
  if (anomalies.items.length === 0) print('   (the review queue is empty)');
  anomalies.items.forEach((item, i) => {
    const lines = formatAnomaly(item, names);
    print(`   ${i === 0 ? 'top' : `#${i + 1}`.padEnd(3)} ${lines[0]}`);
    if (i === 0) for (const line of lines.slice(1)) print(`   ${line}`);
  });

  print();
  print(
    `Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Console: ${baseUrl}/ (sign in as "${user}"), API docs: ${baseUrl}/docs`,
  );
}

main().catch((error) => {
  const line =
    error instanceof SeedError
      ? error.message
      : `unexpected error: ${String(error?.message ?? error).split('\n')[0]}`;
  process.stderr.write(`seed: ${line}\n`);
  process.exit(1);
});
