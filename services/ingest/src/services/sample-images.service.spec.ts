import { ErrorCode } from '@lookalike/contracts';
import type { ObjectStore } from '@lookalike/object-store';
import type { ImageEntity, ImageRepository, JobEntity, JobRepository } from '@lookalike/persistence';
import { ingestEnvSchema } from '../ingest.config';
import type { SampleImagesRepository } from '../repositories/sample-images.repository';
import type { BatchIngestService } from './batch-ingest.service';
import { SAMPLE_TAG, SampleImagesService } from './sample-images.service';

const caller = { ownerUserId: 'alice', userId: 'alice' };
const JOB = '01J00000000000000000000009';

describe('SampleImagesService', () => {
  let objects: jest.Mocked<Pick<ObjectStore, 'put'>> & { bucket: string };
  let samples: { dir: string | undefined; list: jest.Mock; read: jest.Mock };
  let images: { list: jest.Mock };
  let jobs: { list: jest.Mock };
  let batches: { enqueue: jest.Mock };
  let sut: SampleImagesService;

  beforeEach(() => {
    objects = { bucket: 'local', put: jest.fn().mockResolvedValue({ key: 'k', size: 1, etag: 'e' }) };
    samples = {
      dir: '/samples',
      list: jest.fn().mockResolvedValue([
        { name: 'astronaut.jpg', contentType: 'image/jpeg' },
        { name: 'coins.png', contentType: 'image/png' },
      ]),
      read: jest.fn().mockResolvedValue(Buffer.from('bytes')),
    };
    images = { list: jest.fn().mockResolvedValue({ items: [], nextCursor: null }) };
    jobs = { list: jest.fn().mockResolvedValue({ items: [], nextCursor: null }) };
    batches = { enqueue: jest.fn().mockResolvedValue({ jobId: JOB }) };
    sut = new SampleImagesService(
      ingestEnvSchema.parse({ MAX_IMAGE_BYTES: '2048' }),
      objects as unknown as ObjectStore,
      samples as unknown as SampleImagesRepository,
      images as unknown as ImageRepository,
      jobs as unknown as JobRepository,
      batches as unknown as BatchIngestService,
    );
  });

  it("puts every sample under the caller's prefix and queues one tagged batch of them", async () => {
    await expect(sut.load({ caller })).resolves.toEqual({ jobId: JOB });

    expect(objects.put).toHaveBeenCalledTimes(2);
    const keys = objects.put.mock.calls.map(([key]) => key);
    for (const key of keys) expect(key).toMatch(/^alice\/\d{4}\/\d{2}\/[0-9A-Z]{26}\.(jpg|png)$/);
    expect(objects.put.mock.calls[1]![2]).toEqual({ contentType: 'image/png', maxBytes: 2048 });
    expect(batches.enqueue).toHaveBeenCalledWith(
      'alice',
      keys.map((key) => ({ bucket: 'local', key, tags: [SAMPLE_TAG] })),
      { samples: true },
    );
  });

  it('leaves out a sample larger than the image size limit', async () => {
    samples.read.mockResolvedValueOnce(Buffer.alloc(4096));
    await sut.load({ caller });
    expect(batches.enqueue.mock.calls[0]![1]).toHaveLength(1);
  });

  it('refuses a library that already has images, and stores nothing', async () => {
    images.list.mockResolvedValue({ items: [{ imageId: 'x' } as ImageEntity], nextCursor: null });
    await expect(sut.load({ caller })).rejects.toMatchObject({
      code: ErrorCode.Conflict,
      details: { reason: 'library_not_empty' },
    });
    expect(objects.put).not.toHaveBeenCalled();
    expect(batches.enqueue).not.toHaveBeenCalled();
  });

  it('answers not implemented, naming SAMPLES_DIR, where the server has no samples', async () => {
    samples.dir = undefined;
    samples.list.mockResolvedValue([]);
    await expect(sut.load({ caller })).rejects.toMatchObject({
      code: ErrorCode.NotImplemented,
      message: expect.stringContaining('SAMPLES_DIR'),
      details: { reason: 'samples_unavailable' },
    });
  });

  it('answers with the load already under way instead of starting a second one', async () => {
    const queued = [
      { jobId: 'other', payload: { items: [] } },
      { jobId: JOB, payload: { samples: true } },
    ] as unknown as JobEntity[];
    jobs.list.mockImplementation((_owner: string, query: { state: string }) =>
      Promise.resolve({ items: query.state === 'queued' ? queued : [], nextCursor: null }),
    );
    images.list.mockResolvedValue({ items: [{ imageId: 'x' } as ImageEntity], nextCursor: null });
    await expect(sut.load({ caller })).resolves.toEqual({ jobId: JOB });
    expect(batches.enqueue).not.toHaveBeenCalled();
  });

  it('queues one batch for two loads asked at once', async () => {
    const [first, second] = await Promise.all([sut.load({ caller }), sut.load({ caller })]);
    expect(first).toEqual(second);
    expect(batches.enqueue).toHaveBeenCalledTimes(1);
  });

  it('refuses a request without a caller', async () => {
    await expect(sut.load({ caller: undefined })).rejects.toMatchObject({ code: ErrorCode.Unauthenticated });
  });
});
