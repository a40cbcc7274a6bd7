import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadObjectSigningKey } from './object-store.module';

describe('loadObjectSigningKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookalike-signing-key-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives every process starting at once the same complete key, and leaves no drafts behind', async () => {
    const keys = await Promise.all(Array.from({ length: 24 }, () => loadObjectSigningKey(dir)));
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(keys).size).toBe(1);
    expect(await readdir(join(dir, 'secrets'))).toEqual(['object-url.key']);
    expect(await loadObjectSigningKey(dir)).toBe(keys[0]);
  });

  it('prefers the configured key', async () => {
    expect(await loadObjectSigningKey(dir, 'configured-key')).toBe('configured-key');
  });
});
