import sharp from 'sharp';
import { packVector, Subjects } from '@lookalike/contracts';
import { errorToHeaders, type BusSubscription, type MessageBus } from '@lookalike/messaging';
import { readStoredObject } from './stored-object';

export const STAND_IN_VECTOR = 'pixels_global';

/**
 * Stands in for the embedding service where the stack runs without one: it takes the inline bytes,
 * or reads the object the claim check names from the local store, and answers a 64-d vector of the
 * 8x8 grey thumbnail of the displayed image (mean-centred), so look-alike images get high cosine
 * and others do not.
 */
export async function serveStandInEmbedding(
  bus: MessageBus,
  dataDir: string,
  calls: { count: number } = { count: 0 },
  options: { delayMs?: number } = {},
): Promise<BusSubscription> {
  const subject = Subjects.EmbeddingEmbedImages;
  return bus.serve(subject.name, 'embedding', async (message) => {
    try {
      calls.count += 1;
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      const request = subject.request.decode(message.data);
      const embeddings = await Promise.all(
        request.images.map(async (image) => {
          const bytes = image.inline.length > 0 ? image.inline : await readStoredObject(dataDir, image.key);
          const grey = await sharp(bytes, { pages: 1 })
            .rotate()
            .resize(8, 8, { fit: 'fill' })
            .greyscale()
            .raw()
            .toBuffer();
          const values = Array.from(grey, (v) => v / 255);
          const mean = values.reduce((a, b) => a + b, 0) / values.length;
          const centred = values.map((v) => v - mean + 1e-3);
          return { vector: packVector(centred), crops: [], nsfwScore: 0 };
        }),
      );
      const reply = subject.response
        .encode(
          subject.response.fromPartial({
            embeddings,
            modelName: 'pixels-8x8',
            modelVersion: '1',
            dim: 64,
            vectorName: STAND_IN_VECTOR,
          }),
        )
        .finish();
      return { data: reply, headers: {} };
    } catch (error) {
      return { data: new Uint8Array(), headers: errorToHeaders(error) };
    }
  });
}

/**
 * Stands in for the dedup service's video check where a test runs ingest alone: it records the
 * videos it is asked about and answers no groups.
 */
export async function serveStandInVideoCheck(bus: MessageBus, asked: string[]): Promise<BusSubscription> {
  const subject = Subjects.DedupCheckVideo;
  return bus.serve(subject.name, 'dedup', (message) => {
    asked.push(subject.request.decode(message.data).videoId);
    const reply = subject.response.encode(subject.response.fromPartial({ groupIds: [], kinds: [] })).finish();
    return Promise.resolve({ data: reply, headers: {} });
  });
}
