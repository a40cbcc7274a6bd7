import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BusSubscription } from '@lookalike/messaging';
import { loadState, runImport } from '../../ingest/src/cli/import';
import { serveStandInEmbedding } from './support/ingest-stand-ins';
import { devLogin, startTestStack, TestStack } from './support/test-stack';

const BAD_INPUTS = '/work/shared/datasets/bad-inputs';

jest.setTimeout(120_000);

describe('bulk import CLI (embedded)', () => {
  let stack: TestStack;
  let embedding: BusSubscription;
  let dir: string;

  beforeAll(async () => {
    stack = await startTestStack('embedded', {
      omit: ['embedding'],
      env: { RECONCILE_INTERVAL_SECONDS: '0' },
    });
    embedding = await serveStandInEmbedding(stack.bus, stack.dataDir);
    dir = await mkdtemp(join(tmpdir(), 'lookalike-import-'));
  });

  afterAll(async () => {
    await embedding?.unsubscribe();
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a folder, counts outcomes by reason, and resumes without redoing finished files', async () => {
    const token = await devLogin(stack.url, 'importer');
    await copyFile(join(BAD_INPUTS, 'cmyk.jpg'), join(dir, 'a.jpg'));
    await copyFile(join(BAD_INPUTS, 'cmyk.jpg'), join(dir, 'a-again.jpg'));
    await copyFile(join(BAD_INPUTS, 'text-named.jpg'), join(dir, 'text.jpg'));
    await copyFile(join(BAD_INPUTS, 'bad-crc.png'), join(dir, 'broken.png'));
    await writeFile(join(dir, 'notes.txt'), 'not an image extension, never sent');
    const options = {
      dir,
      url: stack.url,
      token,
      tags: ['imported'],
      concurrency: 1,
      statePath: join(dir, '.lookalike-import.json'),
      progress: false,
    };

    const first = await runImport(options);
    expect(first).toEqual({
      created: 1,
      duplicate: 1,
      skipped: 0,
      rejected: { unsupported_media_type: 1, unprocessable: 1 },
    });

    await copyFile(join(BAD_INPUTS, 'image.webp'), join(dir, 'b.webp'));
    const second = await runImport(options);
    // Finished files are skipped; rejected ones are tried again (they may have been fixed).
    expect(second).toEqual({
      created: 1,
      duplicate: 0,
      skipped: 2,
      rejected: { unsupported_media_type: 1, unprocessable: 1 },
    });
    const state = await loadState(options.statePath);
    expect(Object.keys(state.files).sort()).toEqual([
      'a-again.jpg',
      'a.jpg',
      'b.webp',
      'broken.png',
      'text.jpg',
    ]);
    expect(JSON.parse(await readFile(options.statePath, 'utf8'))).toMatchObject({ version: 1 });

    const listed = (await (
      await fetch(`${stack.url}/api/images?limit=10`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { images: { payload: { tags: string[] } }[] };
    expect(listed.images).toHaveLength(2);
    expect(listed.images.every((i) => i.payload.tags.includes('imported'))).toBe(true);
  });
});
