import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '@lookalike/contracts';
import { LocalObjectStore, generateObjectKey, objectsBaseUrl } from '@lookalike/object-store';
import { gatewayEnvSchema } from '../gateway.config';
import { ObjectsService } from './objects.service';

const SIGNING_KEY = 's'.repeat(32);

describe('ObjectsService: the gateway hands its own uploads to the local store in process', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookalike-objects-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The ingest service's side: the same data directory and key, presigning as it does. */
  async function signer(publicBaseUrl?: string): Promise<LocalObjectStore> {
    const store = new LocalObjectStore({
      dir: join(dir, 'objects'),
      baseUrl: objectsBaseUrl(publicBaseUrl),
      signingKey: SIGNING_KEY,
    });
    await store.init();
    return store;
  }

  function service(env: Record<string, string> = {}): ObjectsService {
    return new ObjectsService(
      gatewayEnvSchema.parse({
        LOOKALIKE_DATA_DIR: dir,
        OBJECT_SIGNING_KEY: SIGNING_KEY,
        AUTH_DEV_LOGIN: 'true',
        ...env,
      }),
    );
  }

  it('recognises a presigned upload URL of its store and stores the bytes under its checks', async () => {
    const objects = service({ PUBLIC_BASE_URL: 'https://photos.example/lookalike' });
    const store = await signer('https://photos.example/lookalike');
    const key = generateObjectKey('tenant-a', 'jpg');
    const target = await store.presignUpload({
      key,
      contentType: 'image/jpeg',
      maxBytes: 10,
      expiresInSeconds: 60,
    });
    const own = objects.ownUploadTarget(target.url);
    expect(own?.key).toBe(key);

    const body = Buffer.from('0123456789');
    const put = await objects.upload({ ...own!, contentType: 'image/jpeg', contentLength: 10, body });
    expect(put.size).toBe(10);
    expect(await store.getBuffer(key, { maxBytes: 100 })).toEqual(body);

    await expect(
      objects.upload({ ...own!, contentType: 'image/png', contentLength: 10, body }),
    ).rejects.toMatchObject({ code: ErrorCode.PermissionDenied });
    await expect(
      objects.upload({ ...own!, contentType: 'image/jpeg', contentLength: 11, body: Buffer.alloc(11) }),
    ).rejects.toMatchObject({ code: ErrorCode.PayloadTooLarge });
    const forged = new URLSearchParams(own!.query);
    forged.set('max', '1000');
    await expect(
      objects.upload({ key, query: forged, contentType: 'image/jpeg', contentLength: 10, body }),
    ).rejects.toMatchObject({ code: ErrorCode.PermissionDenied });
  });

  it('leaves other URLs to HTTP: another host, another path, an S3 store', async () => {
    const store = await signer();
    const target = await store.presignUpload({
      key: generateObjectKey('t', 'png'),
      maxBytes: 5,
      expiresInSeconds: 60,
    });
    expect(service().ownUploadTarget(target.url)).toBeDefined();
    expect(
      service({ PUBLIC_BASE_URL: 'https://elsewhere.example' }).ownUploadTarget(target.url),
    ).toBeUndefined();
    expect(service().ownUploadTarget(target.url.replace('/api/objects/', '/api/objectsx/'))).toBeUndefined();
    expect(
      service({
        OBJECT_STORE: 's3',
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        S3_ACCESS_KEY: 'k',
        S3_SECRET_KEY: 'secret-key',
      }).ownUploadTarget(target.url),
    ).toBeUndefined();
  });
});
