import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { Readable } from 'node:stream';
import { generateObjectKey, type ObjectStore, type PresignedUpload } from '../src';

export interface ObjectStoreHarness {
  store: ObjectStore;
  /** Another store over the same storage whose clock reads the given time (for expiry tests). */
  withClock(now: () => Date): ObjectStore;
  close(): Promise<void>;
}

export async function uploadPresigned(
  presigned: PresignedUpload,
  body: Buffer,
  contentType: string,
): Promise<Response> {
  if (presigned.method === 'PUT') {
    return fetch(presigned.url, {
      method: 'PUT',
      headers: { 'Content-Type': contentType, ...presigned.headers },
      body,
    });
  }
  const form = new FormData();
  for (const [name, value] of Object.entries(presigned.fields)) form.append(name, value);
  form.append('file', new Blob([body], { type: contentType }), 'upload.bin');
  return fetch(presigned.url, { method: 'POST', body: form });
}

/** Changes one character of the named query parameter (or form field for POST uploads). */
export function tamperParam(url: string, name: string): string {
  const parsed = new URL(url);
  const value = parsed.searchParams.get(name);
  if (!value) throw new Error(`no ${name} in ${url}`);
  const last = value[value.length - 1];
  parsed.searchParams.set(name, value.slice(0, -1) + (last === 'a' ? 'b' : 'a'));
  return parsed.toString();
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(LookalikeError);
  await expect(promise).rejects.toMatchObject({ code });
}

async function collect(iterable: AsyncIterable<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of iterable) keys.push(item.key);
  return keys;
}

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(1000, 7),
]);

/** The behaviour every ObjectStore adapter must show; each adapter's suite calls this once. */
export function describeObjectStoreContract(
  name: string,
  setup: () => Promise<ObjectStoreHarness>,
  /** Whether the server behind presigned uploads refuses bodies over maxBytes (s3rver ignores POST policies). */
  options: { enforcesPresignedSize: boolean },
): void {
  const itWhenSizeEnforced = options.enforcesPresignedSize ? it : it.skip;
  describe(`ObjectStore contract: ${name}`, () => {
    let harness: ObjectStoreHarness;
    let store: ObjectStore;
    let tenant: string;

    beforeAll(async () => {
      harness = await setup();
      store = harness.store;
    });
    afterAll(async () => harness?.close());
    beforeEach(() => {
      tenant = `t-${Math.random().toString(36).slice(2, 10)}`;
    });

    it('stores, describes, reads and deletes an object', async () => {
      const key = generateObjectKey(tenant, 'png');
      const put = await store.put(key, PNG, { contentType: 'image/png' });
      expect(put).toMatchObject({ key, size: PNG.length });
      expect(put.etag).toBeTruthy();

      const info = await store.head(key);
      expect(info).toMatchObject({ key, size: PNG.length, contentType: 'image/png' });
      expect(Number.isNaN(info?.lastModified.getTime())).toBe(false);

      const chunks: Buffer[] = [];
      for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(PNG)).toBe(true);
      expect((await store.getBuffer(key, { maxBytes: PNG.length })).equals(PNG)).toBe(true);

      await store.delete(key);
      expect(await store.head(key)).toBeNull();
      await expectCode(store.get(key), ErrorCode.NotFound);
      await store.delete(key);
    });

    it('stores a stream of unknown length and replaces an object on a second put', async () => {
      const key = generateObjectKey(tenant, 'bin');
      const parts = [Buffer.alloc(70_000, 1), Buffer.alloc(70_000, 2), Buffer.alloc(5, 3)];
      const put = await store.put(key, Readable.from(parts), { contentType: 'application/octet-stream' });
      expect(put.size).toBe(140_005);
      expect((await store.getBuffer(key, { maxBytes: 1_000_000 })).equals(Buffer.concat(parts))).toBe(true);

      await store.put(key, Buffer.from('second'), { contentType: 'text/plain' });
      expect(await store.head(key)).toMatchObject({ size: 6, contentType: 'text/plain' });
    });

    it('refuses bodies over maxBytes and keeps nothing of them', async () => {
      const fromBuffer = generateObjectKey(tenant, 'bin');
      await expectCode(
        store.put(fromBuffer, Buffer.alloc(101), { contentType: 'image/png', maxBytes: 100 }),
        ErrorCode.PayloadTooLarge,
      );
      const fromStream = generateObjectKey(tenant, 'bin');
      const big = Readable.from([Buffer.alloc(60), Buffer.alloc(60)]);
      await expectCode(
        store.put(fromStream, big, { contentType: 'image/png', maxBytes: 100 }),
        ErrorCode.PayloadTooLarge,
      );
      expect(await store.head(fromBuffer)).toBeNull();
      expect(await store.head(fromStream)).toBeNull();
      expect(await collect(store.list(`${tenant}/`))).toEqual([]);
    });

    it('refuses to read into memory an object larger than the caller allows', async () => {
      const key = generateObjectKey(tenant, 'png');
      await store.put(key, PNG, { contentType: 'image/png' });
      await expectCode(store.getBuffer(key, { maxBytes: PNG.length - 1 }), ErrorCode.PayloadTooLarge);
      await expectCode(store.getBuffer(`${tenant}/absent.png`, { maxBytes: 10 }), ErrorCode.NotFound);
    });

    it('lists objects by prefix in key order, and only those', async () => {
      const other = `${tenant}x`;
      const keys = [
        `${tenant}/2026/01/b.png`,
        `${tenant}/2026/01/a.png`,
        `${tenant}/2025/12/z.png`,
        `${tenant}/2026/02/c.png`,
      ];
      for (const key of [...keys, `${other}/2026/01/a.png`]) {
        await store.put(key, Buffer.from(key), { contentType: 'image/png' });
      }
      expect(await collect(store.list(`${tenant}/`))).toEqual([...keys].sort());
      expect(await collect(store.list(`${tenant}/2026/0`))).toEqual([
        `${tenant}/2026/01/a.png`,
        `${tenant}/2026/01/b.png`,
        `${tenant}/2026/02/c.png`,
      ]);
      expect(await collect(store.list(`${tenant}/2024/`))).toEqual([]);
      const listed: { key: string; size: number }[] = [];
      for await (const item of store.list(`${tenant}/2026/01/`)) listed.push(item);
      expect(listed).toEqual([
        expect.objectContaining({ key: `${tenant}/2026/01/a.png`, size: `${tenant}/2026/01/a.png`.length }),
        expect.objectContaining({ key: `${tenant}/2026/01/b.png`, size: `${tenant}/2026/01/b.png`.length }),
      ]);
    });

    it('refuses malformed keys', async () => {
      for (const key of ['../etc/passwd', '/abs/key.png', 'a//b.png', 'a/./b.png', 'a/b c.png', '']) {
        await expectCode(
          store.put(key, Buffer.from('x'), { contentType: 'text/plain' }),
          ErrorCode.InvalidArgument,
        );
        await expectCode(store.head(key), ErrorCode.InvalidArgument);
      }
    });

    it('accepts an upload from a plain HTTP client through a presigned request', async () => {
      const key = generateObjectKey(tenant, 'png');
      const presigned = await store.presignUpload({
        key,
        contentType: 'image/png',
        maxBytes: 10_000,
        expiresInSeconds: 60,
      });
      expect(presigned).toMatchObject({ bucket: store.bucket, key, maxBytes: 10_000 });
      expect(presigned.expiresAt.getTime()).toBeGreaterThan(Date.now() + 55_000);

      const response = await uploadPresigned(presigned, PNG, 'image/png');
      expect(response.status).toBeLessThan(300);
      expect(await store.head(key)).toMatchObject({ size: PNG.length, contentType: 'image/png' });
    });

    it('serves a presigned download with the stored type, or the requested type and file name', async () => {
      const key = generateObjectKey(tenant, 'png');
      await store.put(key, PNG, { contentType: 'image/png' });

      const plain = await fetch(await store.presignDownload({ key, expiresInSeconds: 60 }));
      expect(plain.status).toBe(200);
      expect(plain.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await plain.arrayBuffer()).equals(PNG)).toBe(true);

      const named = await fetch(
        await store.presignDownload({
          key,
          expiresInSeconds: 60,
          contentType: 'application/octet-stream',
          filename: 'cat.png',
        }),
      );
      expect(named.status).toBe(200);
      expect(named.headers.get('content-type')).toBe('application/octet-stream');
      expect(named.headers.get('content-disposition')).toContain('filename="cat.png"');
      await named.arrayBuffer();
    });

    it('refuses a download URL whose signature or key was changed', async () => {
      const key = generateObjectKey(tenant, 'png');
      const otherKey = generateObjectKey(tenant, 'png');
      await store.put(key, PNG, { contentType: 'image/png' });
      await store.put(otherKey, Buffer.from('secret'), { contentType: 'image/png' });
      const url = await store.presignDownload({ key, expiresInSeconds: 60 });
      const signatureParam = new URL(url).searchParams.has('X-Amz-Signature') ? 'X-Amz-Signature' : 'sig';

      const badSignature = await fetch(tamperParam(url, signatureParam));
      expect(badSignature.status).toBe(403);
      await badSignature.arrayBuffer();

      const otherPath = new URL(url);
      otherPath.pathname = otherPath.pathname.replace(
        key.split('/').pop() as string,
        otherKey.split('/').pop() as string,
      );
      const badKey = await fetch(otherPath);
      expect(badKey.status).toBe(403);
      await badKey.arrayBuffer();
    });

    it('refuses a presigned URL after it expires', async () => {
      const key = generateObjectKey(tenant, 'png');
      await store.put(key, PNG, { contentType: 'image/png' });
      const oneHourAgo = harness.withClock(() => new Date(Date.now() - 3_600_000));

      const staleDownload = await fetch(await oneHourAgo.presignDownload({ key, expiresInSeconds: 600 }));
      expect(staleDownload.status).toBe(403);
      await staleDownload.arrayBuffer();

      const uploadKey = generateObjectKey(tenant, 'png');
      const staleUpload = await oneHourAgo.presignUpload({
        key: uploadKey,
        maxBytes: 10_000,
        expiresInSeconds: 600,
      });
      if (staleUpload.method === 'PUT') {
        const response = await uploadPresigned(staleUpload, PNG, 'image/png');
        expect(response.status).toBe(403);
        expect(await store.head(uploadKey)).toBeNull();
      }

      // The same, in real time: valid at first, refused once its second has passed.
      const shortLived = await store.presignDownload({ key, expiresInSeconds: 1 });
      const first = await fetch(shortLived);
      expect(first.status).toBe(200);
      await first.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const late = await fetch(shortLived);
      expect(late.status).toBe(403);
      await late.arrayBuffer();
    });

    itWhenSizeEnforced('refuses a presigned upload larger than its maxBytes and stores nothing', async () => {
      const key = generateObjectKey(tenant, 'png');
      const presigned = await store.presignUpload({ key, maxBytes: 500, expiresInSeconds: 60 });
      expect(presigned.sizeLimitEnforced).toBe(true);
      const response = await uploadPresigned(presigned, Buffer.alloc(501), 'image/png');
      expect([400, 403, 413]).toContain(response.status);
      expect(await store.head(key)).toBeNull();
    });
  });
}
