import { SingleBar, Presets } from 'cli-progress';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mimeTypeForFileName } from '@lookalike/imaging';
import { loadImportEnv, type ImportEnv } from './import.config';

/**
 * Bulk import of a folder through the public API, the way any client would: presign, upload to the
 * signed URL, ingest by key. Resumable: each file's outcome is written to a state file as it lands,
 * and a rerun skips files already created or found duplicate (same path, size and mtime).
 *
 *   npm run import -- <dir> [--tags a,b] [--url http://127.0.0.1:8080] [--user alice | LOOKALIKE_TOKEN=...]
 *                           [--concurrency 8] [--state <file>] [--no-progress]
 */

export interface FileOutcome {
  size: number;
  mtimeMs: number;
  outcome: 'created' | 'duplicate' | 'rejected';
  imageId?: string;
  /** Error code for a rejection (unsupported_media_type, unprocessable...). */
  reason?: string;
}

export interface ImportState {
  version: 1;
  files: Record<string, FileOutcome>;
}

export interface ImportSummary {
  created: number;
  duplicate: number;
  skipped: number;
  rejected: Record<string, number>;
}

export interface ImportOptions {
  dir: string;
  url: string;
  token: string;
  tags: string[];
  concurrency: number;
  statePath: string;
  progress: boolean;
  /** Told each time the server asks to wait (503/429 with Retry-After), with the seconds. */
  onWait?: (seconds: number) => void;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** 503 (busy) and 429 answers waited out (their Retry-After) before a call gives up. */
const BUSY_RETRIES = 30;

async function call<T>(options: ImportOptions, path: string, body: unknown): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(`${options.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.ok) return json as T;
    // The server's backpressure (the quality loop catching up, the ingest queue full, the rate
    // limit): wait as long as it says and send the same request again.
    const retryAfter = Number(response.headers.get('retry-after'));
    if ((response.status === 503 || response.status === 429) && retryAfter > 0 && attempt < BUSY_RETRIES) {
      options.onWait?.(retryAfter);
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
      continue;
    }
    throw new ApiError(
      response.status,
      String(json.code ?? response.status),
      String(json.detail ?? response.statusText),
    );
  }
}

/** Files below dir (recursively) with an image extension; the type itself is decided by the server. */
export async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listImages(path)));
    else if (entry.isFile() && mimeTypeForFileName(entry.name)) out.push(path);
  }
  return out.sort();
}

export async function loadState(path: string): Promise<ImportState> {
  if (!existsSync(path)) return { version: 1, files: {} };
  const parsed = JSON.parse(await readFile(path, 'utf8')) as ImportState;
  return parsed.version === 1 && parsed.files ? parsed : { version: 1, files: {} };
}

async function saveState(path: string, state: ImportState): Promise<void> {
  // Write-then-rename, so a killed import never leaves a truncated state file.
  await writeFile(`${path}.tmp`, JSON.stringify(state));
  await rename(`${path}.tmp`, path);
}

/** Already done in an earlier run: created or duplicate, and the file has not changed since. */
export function isDone(previous: FileOutcome | undefined, size: number, mtimeMs: number): boolean {
  return (
    !!previous && previous.outcome !== 'rejected' && previous.size === size && previous.mtimeMs === mtimeMs
  );
}

async function importOne(
  options: ImportOptions,
  path: string,
): Promise<Omit<FileOutcome, 'size' | 'mtimeMs'>> {
  const bytes = await readFile(path);
  try {
    const target = await call<{
      bucket: string;
      key: string;
      url: string;
      method: string;
      headers: Record<string, string>;
      fields: Record<string, string>;
    }>(options, '/api/images/presign', {
      content_type: mimeTypeForFileName(path),
      filename: path.split('/').pop(),
      size_bytes: bytes.length,
    });
    let upload: Response;
    if (target.method === 'POST') {
      const form = new FormData();
      for (const [name, value] of Object.entries(target.fields)) form.append(name, value);
      form.append('file', new Blob([new Uint8Array(bytes)]), 'upload');
      upload = await fetch(target.url, { method: 'POST', body: form });
    } else {
      upload = await fetch(target.url, {
        method: 'PUT',
        headers: target.headers,
        body: new Uint8Array(bytes),
      });
    }
    if (!upload.ok) {
      const problem = (await upload.json().catch(() => ({}))) as { code?: string };
      throw new ApiError(upload.status, problem.code ?? `http_${upload.status}`, 'upload refused');
    }
    const answer = await call<{ image_id: string; status: 'created' | 'duplicate' }>(
      options,
      '/api/images/ingest',
      {
        bucket: target.bucket,
        key: target.key,
        tags: options.tags,
      },
    );
    return { outcome: answer.status, imageId: answer.image_id };
  } catch (error) {
    // Client mistakes are this file's outcome; anything else (server down, overload) stops the run.
    if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
      return { outcome: 'rejected', reason: error.code };
    }
    throw error;
  }
}

export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const files = await listImages(options.dir);
  const state = await loadState(options.statePath);
  const summary: ImportSummary = { created: 0, duplicate: 0, skipped: 0, rejected: {} };
  const bar = options.progress
    ? new SingleBar(
        { format: ' {bar} {value}/{total} {rate} images/s ETA {eta_formatted} {file}', etaBuffer: 50 },
        Presets.shades_classic,
      )
    : undefined;
  const started = performance.now();
  let imported = 0;
  const rate = () => (imported / Math.max((performance.now() - started) / 1000, 1e-3)).toFixed(1);
  bar?.start(files.length, 0, { file: '', rate: '0.0' });
  let next = 0;
  let saving = Promise.resolve();
  await Promise.all(
    Array.from({ length: Math.max(1, options.concurrency) }, async () => {
      while (next < files.length) {
        const path = files[next];
        next += 1;
        const name = relative(options.dir, path);
        const info = await stat(path);
        if (isDone(state.files[name], info.size, info.mtimeMs)) {
          summary.skipped += 1;
        } else {
          const result = await importOne(options, path);
          imported += 1;
          state.files[name] = { size: info.size, mtimeMs: info.mtimeMs, ...result };
          if (result.outcome === 'rejected') {
            const reason = result.reason ?? 'unknown';
            summary.rejected[reason] = (summary.rejected[reason] ?? 0) + 1;
          } else {
            summary[result.outcome] += 1;
          }
          saving = saving.then(() => saveState(options.statePath, state));
          await saving;
        }
        bar?.increment(1, { file: name, rate: rate() });
      }
    }),
  );
  bar?.stop();
  return summary;
}

async function tokenFor(env: ImportEnv, url: string, user: string | undefined): Promise<string> {
  if (env.LOOKALIKE_TOKEN) return env.LOOKALIKE_TOKEN;
  if (!user) throw new Error('set LOOKALIKE_TOKEN, or pass --user <id> on a stack with dev login');
  const response = await fetch(`${url}/api/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: user }),
  });
  if (!response.ok) throw new Error(`dev login failed with HTTP ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function main(argv: string[], env: ImportEnv): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tags: { type: 'string', default: '' },
      url: { type: 'string', default: env.LOOKALIKE_URL },
      user: { type: 'string' },
      concurrency: { type: 'string', default: '8' },
      state: { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
    },
  });
  const dir = positionals[0];
  if (!dir)
    throw new Error(
      'usage: npm run import -- <dir> [--tags a,b] [--url URL] [--user ID] [--concurrency N] [--state FILE]',
    );
  const root = resolve(dir);
  const url = values.url.replace(/\/+$/, '');
  const waited = { times: 0, seconds: 0 };
  const started = performance.now();
  const summary = await runImport({
    dir: root,
    url,
    token: await tokenFor(env, url, values.user),
    tags: values.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    concurrency: Number(values.concurrency),
    statePath: values.state ?? join(root, '.lookalike-import.json'),
    progress: !values['no-progress'] && process.stdout.isTTY === true,
    onWait: (seconds) => {
      waited.times += 1;
      waited.seconds += seconds;
    },
  });
  const elapsed = (performance.now() - started) / 1000;
  const sent =
    summary.created + summary.duplicate + Object.values(summary.rejected).reduce((a, b) => a + b, 0);
  const rejected = Object.entries(summary.rejected);
  const lines = [
    `created    ${summary.created}`,
    `duplicate  ${summary.duplicate}`,
    `skipped    ${summary.skipped} (done in an earlier run)`,
    `rejected   ${rejected.reduce((n, [, v]) => n + v, 0)}`,
    ...rejected.map(([reason, n]) => `  ${reason.padEnd(24)} ${n}`),
    `rate       ${(sent / Math.max(elapsed, 1e-3)).toFixed(1)} images/s over ${elapsed.toFixed(0)} s`,
    ...(waited.times > 0
      ? [
          `waited     ${waited.times} times (${waited.seconds} s) where the server asked to (503/429 Retry-After)`,
        ]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2), loadImportEnv()).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
