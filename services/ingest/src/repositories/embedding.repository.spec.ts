import {
  ImagesEmbedRequest,
  ImagesEmbedResponse,
  MAX_INLINE_IMAGE_BYTES,
  packVector,
  Subjects,
} from '@lookalike/contracts';
import { LocalBus, type MessageBus, RpcClient } from '@lookalike/messaging';
import { EmbeddingRepository } from './embedding.repository';

describe('EmbeddingRepository', () => {
  let bus: LocalBus;
  let repository: EmbeddingRepository;
  let sent: ImagesEmbedRequest[];

  beforeEach(async () => {
    bus = new LocalBus(4 * 1024 * 1024);
    sent = [];
    // The embedding service's end of the subject, answering one vector per image.
    await bus.serve(Subjects.EmbeddingEmbedImages.name, 'embedding', async (message) => {
      const request = ImagesEmbedRequest.decode(message.data);
      sent.push(request);
      const reply = ImagesEmbedResponse.fromPartial({
        embeddings: request.images.map(() => ({ vector: packVector([0.6, 0.8]), nsfwScore: 0.1 })),
        modelName: 'm',
        modelVersion: '1',
        dim: 2,
        vectorName: 'm_global',
      });
      return { data: ImagesEmbedResponse.encode(reply).finish(), headers: {} };
    });
    repository = new EmbeddingRepository(new RpcClient(bus, { service: 'ingest' }));
  });
  afterEach(() => bus.close());

  const object = { bucket: 'local', key: 'tenant/ab/cd.jpg' };
  const crops = { enabled: false, count: 4 };

  it('sends the bytes it holds inline instead of the key', async () => {
    const bytes = Buffer.from('jpeg bytes');
    const vectors = await repository.embedImage({ ...object, bytes }, crops);
    expect(sent[0].images).toEqual([{ bucket: '', key: '', inline: new Uint8Array(bytes) }]);
    expect(vectors).toMatchObject({ modelName: 'm', vectorName: 'm_global', dimension: 2 });
    expect(Array.from(vectors.global)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
  });

  it('sends the key for bytes over the inline limit, or none', async () => {
    await repository.embedImage({ ...object, bytes: Buffer.alloc(MAX_INLINE_IMAGE_BYTES + 1) }, crops);
    await repository.embedImage(object, crops);
    for (const request of sent) {
      expect(request.images).toEqual([{ ...object, inline: new Uint8Array(0) }]);
    }
  });

  it('over NATS sends the key, never the bytes', async () => {
    // The same bus behind a port that says it is NATS: image bytes never travel there.
    const nats: MessageBus = {
      kind: 'nats',
      maxPayload: bus.maxPayload,
      request: (subject, message, timeoutMs) => bus.request(subject, message, timeoutMs),
      serve: (subject, queue, handler) => bus.serve(subject, queue, handler),
      ping: () => bus.ping(),
      close: () => Promise.resolve(),
    };
    const overNats = new EmbeddingRepository(new RpcClient(nats, { service: 'ingest' }));
    await overNats.embedImage({ ...object, bytes: Buffer.from('jpeg bytes') }, crops);
    expect(sent[0].images).toEqual([{ ...object, inline: new Uint8Array(0) }]);
  });
});
