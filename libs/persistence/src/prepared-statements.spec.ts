import { StatementNames } from './prepared-statements';

describe('StatementNames', () => {
  const update = 'UPDATE "images" SET "status" = $1 WHERE "image_id" = $2';

  it('names a statement the second time it is seen, and keeps that name', () => {
    const sut = new StatementNames(8);
    expect(sut.nameFor(update)).toBeUndefined();
    const name = sut.nameFor(update);
    expect(name).toMatch(/^lk_[0-9a-f]{32}$/);
    expect(sut.nameFor(update)).toBe(name);
    expect(sut.size).toBe(1);
  });

  it('gives different texts different names, and the same text the same name in another connection', () => {
    const first = new StatementNames(8);
    const second = new StatementNames(8);
    for (const names of [first, second]) {
      names.nameFor(update);
      names.nameFor('SELECT 1 WHERE $1::int > 0');
    }
    expect(first.nameFor(update)).not.toBe(first.nameFor('SELECT 1 WHERE $1::int > 0'));
    expect(first.nameFor(update)).toBe(second.nameFor(update));
  });

  it('names no more than its limit, and a one-off statement takes no slot', () => {
    const sut = new StatementNames(2);
    for (let n = 0; n < 100; n += 1) sut.nameFor(`SELECT * FROM "images" WHERE "image_id" IN (${n})`);
    expect(sut.size).toBe(0);
    const texts = ['SELECT $1::int', 'SELECT $1::text', 'SELECT $1::bigint'];
    for (const text of [...texts, ...texts]) sut.nameFor(text);
    expect(sut.size).toBe(2);
    expect(sut.nameFor(texts[0])).toBeDefined();
    expect(sut.nameFor(texts[2])).toBeUndefined();
  });
});
