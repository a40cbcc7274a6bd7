import { IMAGE_STATUSES, type ImageStatus } from '../entities';
import { allowedImageSources } from './image.repository';
import { decodeCursor, encodeCursor, toPage } from './page-cursor';

describe('allowedImageSources', () => {
  const allowed = (from: ImageStatus, to: ImageStatus) => allowedImageSources(to).includes(from);

  it('moves forward through the pipeline, also skipping steps, and accepts a replayed step', () => {
    expect(allowed('stored', 'hashed')).toBe(true);
    expect(allowed('stored', 'indexed')).toBe(true);
    expect(allowed('embedded', 'embedded')).toBe(true);
    expect(allowed('indexed', 'hashed')).toBe(false);
    expect(allowed('embedded', 'stored')).toBe(false);
  });

  it('lets a failed image re-enter anywhere and nothing leave deleting', () => {
    for (const to of IMAGE_STATUSES) {
      expect(allowed('failed', to)).toBe(true);
      expect(allowed('deleting', to)).toBe(to === 'deleting');
    }
  });
});

describe('page cursors', () => {
  it('round-trips a position and refuses anything else', () => {
    const position = { createdAt: new Date('2026-05-01T10:00:00.123Z'), id: '01J0000000000000000000000A' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    expect(() => decodeCursor('bm90IGEgY3Vyc29y')).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    expect(() => decodeCursor(Buffer.from("1.x' OR 1=1").toString('base64url'))).toThrow();
  });

  it('gives a next cursor only when more rows were read than the page holds', () => {
    const rows = [1, 2, 3].map((n) => ({ createdAt: new Date(n), id: `id${n}` }));
    expect(toPage(rows, 3, (row) => row).nextCursor).toBeNull();
    const page = toPage(rows, 2, (row) => row);
    expect(page.items).toHaveLength(2);
    expect(decodeCursor(page.nextCursor as string)).toEqual({ createdAt: new Date(2), id: 'id2' });
  });
});
