import { normalizeFilter } from '../filter/vector-filter';
import { sqlNumber, sqlString, sqlStringList, whereClause } from './lancedb-sql';

describe('LanceDB SQL literals', () => {
  it('quotes strings by doubling single quotes and leaves backslashes alone', () => {
    expect(sqlString("a' OR '1'='1")).toBe("'a'' OR ''1''=''1'");
    expect(sqlString('back\\slash')).toBe("'back\\slash'");
    expect(() => sqlString('nul\u0000')).toThrow();
  });

  it('writes finite numbers without exponent notation and refuses the rest', () => {
    expect(sqlNumber(0.7)).toBe('0.7');
    expect(Number(sqlNumber(1e-7))).toBe(1e-7);
    expect(sqlNumber(1e-7)).not.toMatch(/e/i);
    expect(() => sqlNumber(Number.NaN)).toThrow();
    expect(() => sqlNumber(Infinity)).toThrow();
  });

  it('types an empty list so DataFusion can compare it', () => {
    expect(sqlStringList([])).toBe("arrow_cast(make_array(), 'List(Utf8)')");
    expect(sqlStringList(['a', "b'"])).toBe("make_array('a', 'b''')");
  });

  it('puts the owner first and wraps every condition, so OR in a value cannot escape', () => {
    const where = whereClause(
      "o' OR 1=1 --",
      normalizeFilter({ tagsAny: ["x') OR ('1'='1"], minQuality: 0.5, flagsNone: ['dark'] }),
    );
    expect(where).toBe(
      "(owner_user_id = 'o'' OR 1=1 --') AND (array_has_any(tags, make_array('x'') OR (''1''=''1'))) AND (quality_score >= 0.5) AND (NOT array_has_any(quality_flags, make_array('dark')))",
    );
  });
});
