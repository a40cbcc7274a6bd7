import { ErrorCode, isLookalikeError } from '@lookalike/contracts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { LocalObjectStore, createObjectStore, generateObjectKey } from '../src';
import { describeObjectStoreContract, tamperParam, uploadPresigned } from './object-store.contract';

const SIGNING_KEY = 'test-signing-key-0123456789abcdef0123456789';
const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.PermissionDenied]: 403,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.InvalidArgument]: 400,
};

/** Stands in for the gateway route /api/objects/<key>: the same two calls, over real HTTP. */
function objectRoute(store: () => LocalObjectStore) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const key = url.pathname
      .replace(/^\/api\/objects\//, '')
      .split('/')
      .map(decodeURIComponent)
      .join('/');
    try {
      if (req.method === 'PUT') {
        const length = req.headers['content-length'];
        const result = await store().acceptSignedUpload({
          key,
          query: url.searchParams,
          contentType: req.headers['content-type'],
          contentLength: length === undefined ? undefined : Number(length),
          body: req,
        });
        res
          .writeHead(200, { 'Content-Type': 'application/json', ETag: `"${result.etag}"` })
          .end(JSON.stringify(result));
        return;
      }
      const download = await store().openSignedDownload({ key, query: url.searchParams });
      res.writeHead(200, {
        'Content-Type': download.contentType,
        'Content-Length': download.size,
        ETag: `"${download.etag}"`,
        ...(download.contentDisposition ? { 'Content-Disposition': download.contentDisposition } : {}),
      });
      download.stream.pipe(res);
    } catch (error) {
      const status = isLookalikeError(error) ? (STATUS[error.code] ?? 500) : 500;
      req.resume();
      res.writeHead(status, { 'Content-Type': 'application/problem+json', Connection: 'close' });
      res.end(JSON.stringify({ type: isLookalikeError(error) ? error.code : 'internal' }));
    }
  };
}

async function startRoute(store: () => LocalObjectStore): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((req, res) => void objectRoute(store)(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, baseUrl: `http://127.0.0.1:${port}/api/objects` };
}

describeObjectStoreContract(
  'local files',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lookalike-objects-'));
    const holder: { store?: LocalObjectStore } = {};
    const { server, baseUrl } = await startRoute(() => holder.store as LocalObjectStore);
    const store = (await createObjectStore({
      kind: 'local',
      dir,
      baseUrl,
      signingKey: SIGNING_KEY,
    })) as LocalObjectStore;
    holder.store = store;
    return {
      store,
      withClock: (now) => new LocalObjectStore({ dir, baseUrl, signingKey: SIGNING_KEY, now }),
      close: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { enforcesPresignedSize: true },
);

describe('LocalObjectStore', () => {
  let dir: string;
  let server: Server;
  let baseUrl: string;
  let store: LocalObjectStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookalike-objects-'));
    ({ server, baseUrl } = await startRoute(() => store));
    store = new LocalObjectStore({ dir, baseUrl, signingKey: SIGNING_KEY });
    await store.init();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps objects across a new store instance over the same directory', async () => {
    const key = generateObjectKey('tenant-a', 'jpg');
    await store.put(key, Buffer.from('jpeg bytes'), { contentType: 'image/jpeg' });
    const reopened = new LocalObjectStore({ dir, baseUrl, signingKey: SIGNING_KEY });
    expect(await reopened.head(key)).toMatchObject({ size: 10, contentType: 'image/jpeg' });
    expect((await reopened.getBuffer(key, { maxBytes: 100 })).toString()).toBe('jpeg bytes');
  });

  it('leaves no temp files behind after successful and refused writes', async () => {
    const key = generateObjectKey('tenant-b', 'png');
    await store.put(key, Buffer.alloc(10), { contentType: 'image/png' });
    await expect(
      store.put(key, Buffer.alloc(200), { contentType: 'image/png', maxBytes: 100 }),
    ).rejects.toMatchObject({
      code: ErrorCode.PayloadTooLarge,
    });
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect(await store.head(key)).toMatchObject({ size: 10 });
  });

  it('writes into a directory removed behind its back after it made it once', async () => {
    const first = 'tenant-gone/ab/first.webp';
    const second = 'tenant-gone/ab/second.webp';
    await store.put(first, Buffer.from('one'), { contentType: 'image/webp' });
    await rm(join(dir, 'objects', 'tenant-gone'), { recursive: true });

    await store.put(second, Buffer.from('two'), { contentType: 'image/webp' });
    expect(await store.head(first)).toBeNull();
    expect(await store.head(second)).toMatchObject({ size: 3, contentType: 'image/webp' });
    expect((await store.getBuffer(second, { maxBytes: 10 })).toString()).toBe('two');
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('gives a buffer and the same bytes as a stream the same ETag', async () => {
    const bytes = Buffer.from('the same bytes, two ways');
    const fromBuffer = await store.put('tenant-etag/a.bin', bytes, {
      contentType: 'application/octet-stream',
    });
    const fromStream = await store.put(
      'tenant-etag/b.bin',
      Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]),
      {
        contentType: 'application/octet-stream',
      },
    );
    expect(fromBuffer.etag).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(fromStream).toMatchObject({ size: bytes.length, etag: fromBuffer.etag });
  });

  it('keeps an object as one file, its bytes then its meta, and gives back the bytes alone', async () => {
    const key = 'tenant-file/2026/12/one.webp';
    const bytes = Buffer.from('webp bytes, then the trailer');
    await store.put(key, bytes, { contentType: 'image/webp' });
    const file = await readFile(join(dir, 'objects', key));
    expect(file.subarray(0, bytes.length)).toEqual(bytes);
    expect(file.length).toBeGreaterThan(bytes.length);
    await expect(readFile(`${join(dir, 'meta', key)}.json`)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await store.head(key)).toMatchObject({ size: bytes.length, contentType: 'image/webp' });
    expect(await store.getBuffer(key, { maxBytes: bytes.length })).toEqual(bytes);
    expect(Buffer.concat(await (await store.get(key)).toArray())).toEqual(bytes);
    await expect(store.getBuffer(key, { maxBytes: bytes.length - 1 })).rejects.toMatchObject({
      code: ErrorCode.PayloadTooLarge,
    });
    const listed = [];
    for await (const entry of store.list('tenant-file/')) listed.push(entry);
    expect(listed.map(({ key: listedKey, size }) => ({ key: listedKey, size }))).toEqual([
      { key, size: bytes.length },
    ]);
    const url = await store.presignDownload({ key, expiresInSeconds: 60 });
    const download = await store.openSignedDownload({
      key,
      query: new URL(url).searchParams,
      range: (size) => ({ start: 5, end: size - 1 }),
    });
    expect(Buffer.concat(await download.stream.toArray()).toString()).toBe('bytes, then the trailer');
  });

  it('stores and reads an empty object', async () => {
    const key = 'tenant-file/2026/12/empty.bin';
    await store.put(key, Buffer.alloc(0), { contentType: 'application/octet-stream' });
    expect(await store.head(key)).toMatchObject({ size: 0 });
    expect(await store.getBuffer(key, { maxBytes: 0 })).toEqual(Buffer.alloc(0));
    expect(await (await store.get(key)).toArray()).toEqual([]);
  });

  it('reads an object written before the trailer, with its meta in a sidecar file', async () => {
    const key = 'tenant-old/2026/11/old.png';
    const bytes = Buffer.from('png bytes from an older version');
    const dataPath = join(dir, 'objects', key);
    const metaPath = `${join(dir, 'meta', key)}.json`;
    await mkdir(dirname(dataPath), { recursive: true });
    await mkdir(dirname(metaPath), { recursive: true });
    await writeFile(dataPath, bytes);
    await writeFile(
      metaPath,
      JSON.stringify({ contentType: 'image/png', size: bytes.length, etag: 'e'.repeat(32) }),
    );
    expect(await store.head(key)).toMatchObject({
      size: bytes.length,
      contentType: 'image/png',
      etag: 'e'.repeat(32),
    });
    expect(await store.getBuffer(key, { maxBytes: 100 })).toEqual(bytes);
    // Written again, it takes the trailer; deleted, neither file is left.
    await store.put(key, Buffer.from('new bytes'), { contentType: 'image/png' });
    expect(await store.head(key)).toMatchObject({ size: 9, contentType: 'image/png' });
    await store.delete(key);
    await expect(readFile(metaPath)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await store.head(key)).toBeNull();
  });

  it('refuses an upload URL whose signed size limit, type or method was changed', async () => {
    const key = generateObjectKey('tenant-c', 'png');
    const presigned = await store.presignUpload({
      key,
      contentType: 'image/png',
      maxBytes: 100,
      expiresInSeconds: 60,
    });

    const raisedLimit = new URL(presigned.url);
    raisedLimit.searchParams.set('max', '1000000');
    expect(
      (await fetch(raisedLimit, { method: 'PUT', headers: presigned.headers, body: Buffer.alloc(10) }))
        .status,
    ).toBe(403);

    const badSignature = tamperParam(presigned.url, 'sig');
    expect(
      (await fetch(badSignature, { method: 'PUT', headers: presigned.headers, body: Buffer.alloc(10) }))
        .status,
    ).toBe(403);

    const wrongType = await fetch(presigned.url, {
      method: 'PUT',
      headers: { 'Content-Type': 'text/html' },
      body: 'x',
    });
    expect(wrongType.status).toBe(403);

    // An upload URL is not a download URL.
    expect((await fetch(presigned.url)).status).toBe(403);
    expect(await store.head(key)).toBeNull();

    const ok = await uploadPresigned(presigned, Buffer.alloc(100), 'image/png');
    expect(ok.status).toBe(200);
  });

  it('verifies full URLs with the exported signer', async () => {
    const key = generateObjectKey('tenant-d', 'png');
    const url = await store.presignDownload({ key, expiresInSeconds: 60, filename: 'a.png' });
    expect(store.signer.verifyUrl('GET', url)).toMatchObject({ method: 'GET', key, filename: 'a.png' });
    expect(() => store.signer.verifyUrl('PUT', url)).toThrow(
      expect.objectContaining({ code: ErrorCode.PermissionDenied }),
    );
    expect(() => store.signer.verifyUrl('GET', url.replace('tenant-d', 'tenant-e'))).toThrow(
      expect.objectContaining({ code: ErrorCode.PermissionDenied }),
    );
  });
});
