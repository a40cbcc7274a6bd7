import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImagePayload } from '@lookalike/contracts';
import { LocalObjectStore } from '@lookalike/object-store';
import type { SearchConfig } from '../search.config';
import { ImageUrlRepository } from './image-url.repository';

describe('ImageUrlRepository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'image-urls-'));
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const store = new LocalObjectStore({
    dir,
    baseUrl: 'http://127.0.0.1:8080/api/objects',
    signingKey: 'k'.repeat(32),
    now: () => new Date(clock),
  });
  const config = { SEARCH_URL_TTL_SECONDS: 600 } as SearchConfig;
  const payload = { key: 'alice/2026/01/01ABCDEFGHJKMNPQRSTVWXYZ00.jpg' } as ImagePayload;
  const expiry = (url: string) => Number(new URL(url).searchParams.get('exp')) * 1000;

  beforeEach(() => {
    jest.useFakeTimers({ now: clock });
  });
  afterEach(() => jest.useRealTimers());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands out one URL per object while at least half its TTL is left, then signs a new one', async () => {
    const sut = new ImageUrlRepository(store, config);
    const first = await sut.urlsFor(payload);
    expect(first.thumbnailUrl).toContain('thumb256');
    expect(first.previewUrl).toContain('thumb1024');
    expect(expiry(first.thumbnailUrl)).toBe(clock + 600_000);

    clock += 299_000;
    jest.setSystemTime(clock);
    expect(await sut.urlsFor(payload)).toEqual(first);

    clock += 2_000;
    jest.setSystemTime(clock);
    const renewed = await sut.urlsFor(payload);
    expect(renewed.thumbnailUrl).not.toBe(first.thumbnailUrl);
    expect(expiry(renewed.thumbnailUrl)).toBe(clock + 600_000);
    // Whatever is handed out is still valid for at least half the TTL.
    expect(expiry(renewed.previewUrl) - clock).toBeGreaterThanOrEqual(300_000);
  });

  it('links a small browser-ready original as its own preview, and the 1024 px thumbnail otherwise', async () => {
    const sut = new ImageUrlRepository(store, config);
    const small = { ...payload, width: 1024, height: 768, format: 'jpeg', sizeBytes: 90_000 };
    expect(new URL((await sut.urlsFor(small)).previewUrl).pathname).toMatch(/00\.jpg$/);
    for (const other of [
      { ...small, width: 4000 },
      { ...small, format: 'heif' },
      { ...small, sizeBytes: 3_000_000 },
      { ...small, sizeBytes: 0 },
    ]) {
      expect((await sut.urlsFor(other)).previewUrl).toContain('thumb1024');
    }
  });

  it('answers empty URLs for a payload without an object key', async () => {
    const sut = new ImageUrlRepository(store, config);
    expect(await sut.urlsFor({ key: '' } as ImagePayload)).toEqual({ previewUrl: '', thumbnailUrl: '' });
  });
});
