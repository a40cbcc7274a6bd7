import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metaTrailer, readMetaTrailer, type ObjectMeta } from './object-file';

describe('object file trailer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookalike-object-file-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function trailerOf(name: string, content: Buffer): Promise<ObjectMeta | null> {
    const path = join(dir, name);
    await writeFile(path, content);
    const handle = await open(path, 'r');
    try {
      return await readMetaTrailer(handle, content.length);
    } finally {
      await handle.close();
    }
  }

  it('reads back the meta written after the bytes', async () => {
    const bytes = Buffer.from('object bytes');
    const meta = { contentType: 'image/jpeg', size: bytes.length, etag: 'a'.repeat(32) };
    expect(await trailerOf('plain', Buffer.concat([bytes, metaTrailer(meta)]))).toEqual(meta);
  });

  it('reads a meta longer than the first read at the end of the file', async () => {
    const bytes = Buffer.alloc(3000, 1);
    const meta = {
      contentType: `application/x-${'long'.repeat(150)}`,
      size: bytes.length,
      etag: 'b'.repeat(32),
    };
    expect(await trailerOf('long', Buffer.concat([bytes, metaTrailer(meta)]))).toEqual(meta);
  });

  it('finds no trailer in a file without one, or whose meta names another size', async () => {
    expect(await trailerOf('none', Buffer.from('just the bytes of an older object'))).toBeNull();
    expect(await trailerOf('short', Buffer.from('x'))).toBeNull();
    const meta = { contentType: 'image/png', size: 4, etag: 'c'.repeat(32) };
    // Bytes appended before the trailer: the meta no longer describes what precedes it.
    expect(await trailerOf('moved', Buffer.concat([Buffer.from('12345'), metaTrailer(meta)]))).toBeNull();
    const broken = metaTrailer(meta);
    broken[0] = 0x7b + 1;
    expect(await trailerOf('broken', Buffer.concat([Buffer.from('1234'), broken]))).toBeNull();
  });
});
