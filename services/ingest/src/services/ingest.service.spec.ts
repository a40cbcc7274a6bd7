import { readFileSync } from 'node:fs';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import type { ObjectStore } from '@lookalike/object-store';
import type { ImageEntity, ImageRepository, InsertImageResult } from '@lookalike/persistence';
import { ingestEnvSchema } from '../ingest.config';
import type { ImagePipelineService } from './image-pipeline.service';
import { IngestService } from './ingest.service';
import type { QualityLoopService } from './quality-loop.service';

const JPEG = readFileSync('/work/shared/datasets/bad-inputs/cmyk.jpg');
const TEXT = Buffer.from('plain text, not an image');
const OWNER = 'alice';
const KEY = 'alice/2026/11/01J00000000000000000000000.jpg';

function image(overrides: Partial<ImageEntity> = {}): ImageEntity {
  return {
    imageId: '01J00000000000000000000001',
    ownerUserId: OWNER,
    sha256: 'a'.repeat(64),
    status: 'stored',
    bucket: 'local',
    key: KEY,
    tags: [],
    ...overrides,
  } as ImageEntity;
}

describe('IngestService', () => {
  let objects: jest.Mocked<ObjectStore>;
  let images: jest.Mocked<Pick<ImageRepository, 'insertIfAbsent'>>;
  let pipeline: jest.Mocked<Pick<ImagePipelineService, 'run' | 'duplicateReport'>>;
  let qualityLoop: { assertAccepting: jest.Mock };
  let sut: IngestService;

  function stored(bytes: Buffer, contentType = 'image/jpeg'): void {
    objects.head.mockResolvedValue({
      key: KEY,
      size: bytes.length,
      contentType,
      etag: 'e',
      lastModified: new Date(),
    });
    objects.getBuffer.mockResolvedValue(bytes);
  }

  beforeEach(() => {
    objects = {
      kind: 'local',
      bucket: 'local',
      init: jest.fn(),
      presignUpload: jest.fn(),
      presignDownload: jest.fn(),
      put: jest.fn().mockResolvedValue({ key: KEY, size: 1, etag: 'e' }),
      get: jest.fn(),
      getBuffer: jest.fn(),
      head: jest.fn(),
      delete: jest.fn().mockResolvedValue(undefined),
      list: jest.fn(),
    } as unknown as jest.Mocked<ObjectStore>;
    images = { insertIfAbsent: jest.fn() };
    pipeline = { run: jest.fn(), duplicateReport: jest.fn() };
    const config = ingestEnvSchema.parse({ MAX_IMAGE_BYTES: '1048576' });
    qualityLoop = { assertAccepting: jest.fn() };
    sut = new IngestService(
      config,
      objects,
      images as unknown as ImageRepository,
      pipeline as unknown as ImagePipelineService,
      qualityLoop as unknown as QualityLoopService,
    );
  });

  const request = (key = KEY) => ({
    caller: { ownerUserId: OWNER, userId: OWNER },
    bucket: 'local',
    key,
    tags: ['t'],
    source: 'upload',
  });

  it('rejects bytes that are not an image with 415 and deletes the uploaded object', async () => {
    stored(TEXT);
    await expect(sut.ingest(request())).rejects.toMatchObject({ code: ErrorCode.UnsupportedMediaType });
    expect(objects.delete).toHaveBeenCalledWith(KEY);
    expect(images.insertIfAbsent).not.toHaveBeenCalled();
  });

  it('rejects an object over MAX_IMAGE_BYTES with 413 before reading it', async () => {
    objects.head.mockResolvedValue({
      key: KEY,
      size: 2 * 1048576,
      contentType: 'image/jpeg',
      etag: 'e',
      lastModified: new Date(),
    });
    await expect(sut.ingest(request())).rejects.toMatchObject({ code: ErrorCode.PayloadTooLarge });
    expect(objects.getBuffer).not.toHaveBeenCalled();
    expect(objects.delete).toHaveBeenCalledWith(KEY);
  });

  it('refuses a key outside the caller tenant without touching the store', async () => {
    await expect(sut.ingest(request('bob/2026/11/01J00000000000000000000000.jpg'))).rejects.toMatchObject({
      code: ErrorCode.PermissionDenied,
    });
    expect(objects.head).not.toHaveBeenCalled();
    expect(objects.delete).not.toHaveBeenCalled();
  });

  it('answers duplicate for bytes the owner already has and drops the second copy', async () => {
    stored(JPEG);
    const existing = image({ key: 'alice/2026/11/01J0000000000000000000000X.jpg', status: 'indexed' });
    images.insertIfAbsent.mockResolvedValue({ status: 'duplicate', image: existing } as InsertImageResult);
    const answer = await sut.ingest(request());
    expect(answer).toEqual({
      imageId: existing.imageId,
      status: 'duplicate',
      duplicateOf: existing.imageId,
      nearDuplicates: [],
      duplicateCheck: 'skipped',
    });
    expect(objects.delete).toHaveBeenCalledWith(KEY);
    expect(pipeline.run).not.toHaveBeenCalled();
    expect(pipeline.duplicateReport).not.toHaveBeenCalled();
  });

  it('refuses a new ingest with busy before reading anything while the quality loop pushes back', async () => {
    qualityLoop.assertAccepting.mockImplementation(() => {
      throw new LookalikeError(ErrorCode.Busy, 'catching up', { retryAfterSeconds: 2 });
    });
    await expect(sut.ingest(request())).rejects.toMatchObject({ code: ErrorCode.Busy, retryAfterSeconds: 2 });
    expect(objects.head).not.toHaveBeenCalled();
    expect(images.insertIfAbsent).not.toHaveBeenCalled();
  });

  it("answers a new image with the dedup service's report the pipeline returns", async () => {
    stored(JPEG);
    images.insertIfAbsent.mockResolvedValue({ status: 'created', image: image() } as InsertImageResult);
    const nearDuplicates = [{ imageId: '01J0000000000000000000000N', kind: 'near', hamming: 3, cosine: 0.9 }];
    pipeline.run.mockResolvedValue({
      image: image({ status: 'indexed' }),
      nearDuplicates,
      duplicateCheck: 'ok',
    });
    expect(await sut.ingest(request())).toEqual({
      imageId: image().imageId,
      status: 'created',
      nearDuplicates,
      duplicateCheck: 'ok',
    });
  });

  it('answers a replayed key of an indexed image with a fresh duplicate check, without re-running the pipeline', async () => {
    stored(JPEG);
    const indexed = image({ status: 'indexed' });
    images.insertIfAbsent.mockResolvedValue({ status: 'duplicate', image: indexed } as InsertImageResult);
    pipeline.duplicateReport.mockResolvedValue({ nearDuplicates: [], duplicateCheck: 'unavailable' });
    expect(await sut.ingest(request())).toEqual({
      imageId: indexed.imageId,
      status: 'created',
      nearDuplicates: [],
      duplicateCheck: 'unavailable',
    });
    expect(pipeline.duplicateReport).toHaveBeenCalledWith(OWNER, indexed.imageId);
    expect(pipeline.run).not.toHaveBeenCalled();
    expect(objects.delete).not.toHaveBeenCalled();
  });

  it('continues the pipeline when the same key is ingested again after a crash', async () => {
    stored(JPEG);
    const half = image({ status: 'hashed' });
    images.insertIfAbsent.mockResolvedValue({ status: 'duplicate', image: half } as InsertImageResult);
    pipeline.run.mockResolvedValue({
      image: image({ status: 'indexed' }),
      nearDuplicates: [],
      duplicateCheck: 'ok',
    });
    const answer = await sut.ingest(request());
    expect(answer.status).toBe('created');
    expect(pipeline.run).toHaveBeenCalledWith(half, JPEG, { phashGrid: expect.any(Buffer) });
    expect(objects.delete).not.toHaveBeenCalled();
  });

  it('stores the type read from the bytes when the uploader claimed another', async () => {
    stored(JPEG, 'image/png');
    images.insertIfAbsent.mockResolvedValue({ status: 'created', image: image() } as InsertImageResult);
    pipeline.run.mockResolvedValue({
      image: image({ status: 'indexed' }),
      nearDuplicates: [],
      duplicateCheck: 'ok',
    });
    await sut.ingest(request());
    expect(objects.put).toHaveBeenCalledWith(
      KEY,
      JPEG,
      expect.objectContaining({ contentType: 'image/jpeg' }),
    );
    expect(images.insertIfAbsent).toHaveBeenCalledWith(
      expect.objectContaining({
        ownerUserId: OWNER,
        key: KEY,
        format: 'jpeg',
        tags: ['t'],
        source: 'upload',
      }),
    );
  });

  it('keeps the object when the store itself is unavailable (the upload may still be good)', async () => {
    objects.head.mockResolvedValue({
      key: KEY,
      size: JPEG.length,
      contentType: 'image/jpeg',
      etag: 'e',
      lastModified: new Date(),
    });
    objects.getBuffer.mockRejectedValue(new LookalikeError(ErrorCode.Unavailable, 'disk gone'));
    await expect(sut.ingest(request())).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    expect(objects.delete).not.toHaveBeenCalled();
  });
});
