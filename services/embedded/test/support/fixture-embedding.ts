import { createHash } from 'node:crypto';
import { packVector, Subjects } from '@lookalike/contracts';
import { errorToHeaders, type BusSubscription, type MessageBus } from '@lookalike/messaging';
import { readStoredObject } from './stored-object';
import { loadNearCopies } from '../../../dedup/test/support/near-copies-fixture';

/**
 * The stack environment of tests that upload fixture images and drive the quality loop by hand:
 * no background sweeps or reconciliation, and timeouts a loaded test machine cannot reach (it must
 * not turn the near-duplicate report into `unavailable`).
 */
export const FIXTURE_STACK_ENV: Record<string, string> = {
  RPC_TIMEOUT_MS: '60000',
  INGEST_DUPLICATE_CHECK_TIMEOUT_MS: '60000',
  RECONCILE_INTERVAL_SECONDS: '0',
  DEDUP_SCAN_CRON: 'off',
  ANOMALY_RECOMPUTE_CRON: 'off',
};

/**
 * Answers the embedding service's image subject with the committed MobileNetV2 vectors of
 * dev-nearcopies (found by the sha256 of the stored or inline bytes), so a stack sees the offline default model's
 * real geometry without loading it.
 */
export function serveFixtureEmbedding(bus: MessageBus, dataDir: string): Promise<BusSubscription> {
  const { images, model } = loadNearCopies();
  const bySha = new Map(images.map((im) => [im.sha256, im.vector]));
  const subject = Subjects.EmbeddingEmbedImages;
  return bus.serve(subject.name, 'embedding', async (message) => {
    try {
      const request = subject.request.decode(message.data);
      const embeddings = await Promise.all(
        request.images.map(async (image) => {
          const bytes = image.inline.length > 0 ? image.inline : await readStoredObject(dataDir, image.key);
          const vector = bySha.get(createHash('sha256').update(bytes).digest('hex'));
          if (!vector) throw new Error(`no fixture vector for ${image.key}`);
          return { vector: packVector(vector), crops: [], nsfwScore: 0 };
        }),
      );
      const reply = subject.response.fromPartial({
        embeddings,
        modelName: model.name,
        modelVersion: 'fixture',
        dim: model.dim,
        vectorName: 'mobilenet_global',
      });
      return { data: subject.response.encode(reply).finish(), headers: {} };
    } catch (error) {
      return { data: new Uint8Array(), headers: errorToHeaders(error) };
    }
  });
}

/** `POST /api/images` with one file, as a browser's multipart form sends it. */
export function uploadImage(url: string, token: string, bytes: Buffer, name: string): Promise<Response> {
  const boundary = `----lookalike${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return fetch(`${url}/api/images`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
    body,
  });
}
