import { Logger } from '@nestjs/common';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LookalikeError, Subjects } from '@lookalike/contracts';
import { mimeTypeForFileName } from '@lookalike/imaging';
import { RpcClient } from '@lookalike/messaging';

export const DEMO_OWNER = 'demo';

export interface SeedOutcome {
  skipped: boolean;
  created: number;
  duplicate: number;
  /** Rejections by error code (unsupported_media_type, unprocessable...). */
  rejected: Record<string, number>;
}

/**
 * Ingests the demo images into the `demo` tenant when it has none, the way any client would:
 * presign, upload to the signed URL, ingest by key. Stops early when `signal` aborts (shutdown).
 */
export async function seedDemo(rpc: RpcClient, dir: string, signal: AbortSignal): Promise<SeedOutcome> {
  const caller = { ownerUserId: DEMO_OWNER, userId: DEMO_OWNER };
  const outcome: SeedOutcome = { skipped: false, created: 0, duplicate: 0, rejected: {} };
  const existing = await rpc.send(Subjects.IngestListImages, { caller, limit: 1 });
  if (existing.images.length > 0) return { ...outcome, skipped: true };
  const files = (await readdir(dir)).filter((f) => mimeTypeForFileName(f)).sort();
  for (const file of files) {
    if (signal.aborted) break;
    try {
      const bytes = await readFile(join(dir, file));
      const target = await rpc.send(Subjects.IngestPresign, {
        caller,
        contentType: mimeTypeForFileName(file),
        filename: file,
        sizeBytes: bytes.length,
      });
      const body = new Uint8Array(bytes);
      let response: Response;
      if (target.method === 'POST') {
        const form = new FormData();
        for (const [name, value] of Object.entries(target.fields)) form.append(name, value);
        form.append('file', new Blob([body]), file);
        response = await fetch(target.url, { method: 'POST', body: form, signal });
      } else {
        response = await fetch(target.url, { method: 'PUT', headers: target.headers, body, signal });
      }
      if (!response.ok) throw LookalikeError.invalid(`upload refused with HTTP ${response.status}`);
      const answer = await rpc.send(Subjects.IngestIngest, {
        caller,
        bucket: target.bucket,
        key: target.key,
        tags: ['demo'],
        source: 'api',
      });
      if (answer.status === 'duplicate') outcome.duplicate += 1;
      else outcome.created += 1;
    } catch (error) {
      if (signal.aborted) break;
      const code = error instanceof LookalikeError ? error.code : 'internal';
      outcome.rejected[code] = (outcome.rejected[code] ?? 0) + 1;
    }
  }
  return outcome;
}

/** Runs the seed in the background and logs what it did. */
export function startDemoSeed(rpc: RpcClient, dir: string): { stop(): Promise<void> } {
  const logger = new Logger('DemoSeed');
  const abort = new AbortController();
  const running = seedDemo(rpc, dir, abort.signal).then(
    (outcome) => {
      if (outcome.skipped) {
        logger.log(`demo seed: tenant "${DEMO_OWNER}" already has images, nothing to do`);
        return;
      }
      const rejected = Object.entries(outcome.rejected)
        .map(([code, n]) => `${code} ${n}`)
        .join(', ');
      logger.log(
        `demo seed: created ${outcome.created}, duplicate ${outcome.duplicate}, rejected ${rejected || '0'} (from ${dir})`,
      );
    },
    (error: unknown) => {
      if (!abort.signal.aborted)
        logger.warn(`demo seed failed: ${error instanceof Error ? error.message : String(error)}`);
    },
  );
  return {
    stop: async () => {
      abort.abort();
      await running;
    },
  };
}
