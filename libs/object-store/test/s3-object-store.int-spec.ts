import S3rver from '@20minutes/s3rver';
import { ErrorCode } from '@lookalike/contracts';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3ObjectStore, createObjectStore, generateObjectKey, type S3ObjectStoreOptions } from '../src';
import { describeObjectStoreContract, tamperParam, uploadPresigned } from './object-store.contract';

/**
 * A real S3-protocol server on loopback: @20minutes/s3rver checks SigV4 signatures and expiry of
 * header-signed and presigned requests, but ignores POST policies (neither their signature nor their
 * conditions are checked), so the POST policy is verified here against the SigV4 rules instead.
 */
async function startS3(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'lookalike-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function options(endpoint: string, extra: Partial<S3ObjectStoreOptions> = {}): S3ObjectStoreOptions {
  return {
    endpoint,
    region: 'us-east-1',
    bucket: 'lookalike-test',
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    ...extra,
  };
}

describeObjectStoreContract(
  'S3 (s3rver on loopback)',
  async () => {
    const s3 = await startS3();
    const store = await createObjectStore({ kind: 's3', ...options(s3.endpoint) });
    return {
      store,
      withClock: (now) => new S3ObjectStore(options(s3.endpoint, { now })),
      close: () => s3.stop(),
    };
  },
  { enforcesPresignedSize: false },
);

describe('S3ObjectStore', () => {
  let s3: { endpoint: string; stop(): Promise<void> };

  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(() => s3.stop());

  it('creates its bucket when missing and accepts an existing one', async () => {
    const store = new S3ObjectStore(options(s3.endpoint, { bucket: 'created-on-init' }));
    await expect(store.put('a/b.png', Buffer.from('x'), { contentType: 'image/png' })).rejects.toMatchObject({
      code: 'NoSuchBucket',
    });
    await store.init();
    await store.init();
    await store.put('a/b.png', Buffer.from('x'), { contentType: 'image/png' });
    expect(await store.head('a/b.png')).toMatchObject({ size: 1 });
  });

  it('signs a POST policy that limits size, key, type and time under SigV4', async () => {
    const store = await createObjectStore({ kind: 's3', ...options(s3.endpoint) });
    const key = generateObjectKey('tenant', 'png');
    const presigned = await store.presignUpload({
      key,
      contentType: 'image/png',
      maxBytes: 4096,
      expiresInSeconds: 300,
    });
    expect(presigned).toMatchObject({
      method: 'POST',
      sizeLimitEnforced: true,
      url: `${s3.endpoint}/lookalike-test`,
    });

    const { fields } = presigned;
    const policy = JSON.parse(Buffer.from(fields.policy, 'base64').toString('utf8')) as {
      expiration: string;
      conditions: unknown[];
    };
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', 0, 4096],
        ['eq', '$key', key],
        ['eq', '$bucket', 'lookalike-test'],
        ['eq', '$Content-Type', 'image/png'],
        ['eq', '$x-amz-algorithm', 'AWS4-HMAC-SHA256'],
      ]),
    );
    expect(Math.abs(new Date(policy.expiration).getTime() - presigned.expiresAt.getTime())).toBeLessThan(
      1000,
    );

    const [accessKey, date, region, service, terminator] = fields['x-amz-credential'].split('/');
    expect([accessKey, region, service, terminator]).toEqual(['S3RVER', 'us-east-1', 's3', 'aws4_request']);
    const hmac = (k: Buffer | string, v: string) => createHmac('sha256', k).update(v).digest();
    const signingKey = hmac(hmac(hmac(hmac('AWS4S3RVER', date), region), service), terminator);
    expect(fields['x-amz-signature']).toBe(
      createHmac('sha256', signingKey).update(fields.policy).digest('hex'),
    );
  });

  describe('with presigned PUT uploads', () => {
    let store: S3ObjectStore;

    beforeAll(async () => {
      store = new S3ObjectStore(options(s3.endpoint, { uploadMethod: 'PUT' }));
      await store.init();
    });

    it('accepts a PUT from a plain HTTP client and says the size limit is not enforced', async () => {
      const key = generateObjectKey('tenant', 'png');
      const presigned = await store.presignUpload({
        key,
        contentType: 'image/png',
        maxBytes: 100,
        expiresInSeconds: 60,
      });
      expect(presigned).toMatchObject({ method: 'PUT', sizeLimitEnforced: false, fields: {} });
      const response = await uploadPresigned(presigned, Buffer.from('png bytes'), 'image/png');
      expect(response.status).toBe(200);
      expect(await store.head(key)).toMatchObject({ size: 9, contentType: 'image/png' });
    });

    it('refuses a PUT whose signature or key was changed', async () => {
      const key = generateObjectKey('tenant', 'png');
      const presigned = await store.presignUpload({ key, maxBytes: 100, expiresInSeconds: 60 });

      const badSignature = await fetch(tamperParam(presigned.url, 'X-Amz-Signature'), {
        method: 'PUT',
        body: 'x',
      });
      expect(badSignature.status).toBe(403);

      const otherKey = generateObjectKey('tenant', 'png');
      const moved = presigned.url.replace(key, otherKey);
      expect(moved).not.toBe(presigned.url);
      expect((await fetch(moved, { method: 'PUT', body: 'x' })).status).toBe(403);

      expect(await store.head(key)).toBeNull();
      expect(await store.head(otherKey)).toBeNull();
    });

    it('refuses a PUT after the URL expired', async () => {
      const stale = new S3ObjectStore(
        options(s3.endpoint, { uploadMethod: 'PUT', now: () => new Date(Date.now() - 120_000) }),
      );
      const key = generateObjectKey('tenant', 'png');
      const presigned = await stale.presignUpload({ key, maxBytes: 100, expiresInSeconds: 60 });
      expect((await fetch(presigned.url, { method: 'PUT', body: 'x' })).status).toBe(403);
      expect(await store.head(key)).toBeNull();
    });
  });

  it('reports an unreachable server as unavailable', async () => {
    const store = new S3ObjectStore(options('http://127.0.0.1:9', {}));
    await expect(store.head('a/b.png')).rejects.toMatchObject({ code: ErrorCode.Unavailable });
  });
});
