import { LookalikeError } from '@lookalike/contracts';
import type { NormalizedFilter } from '../filter/vector-filter';

/**
 * SQL literals for LanceDB (DataFusion) predicates. Every caller value reaches SQL through
 * these functions only: strings are single-quoted with quotes doubled (DataFusion treats a
 * backslash as an ordinary character), numbers must be finite, identifiers come from our own
 * schema and never from the caller.
 */
export function sqlString(value: string): string {
  if (typeof value !== 'string') throw LookalikeError.invalid('expected a string value');
  if (value.includes('\u0000')) throw LookalikeError.invalid('strings may not contain NUL characters');
  return `'${value.replace(/'/g, "''")}'`;
}

export function sqlNumber(value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw LookalikeError.invalid('expected a finite number');
  const text = String(value);
  // DataFusion reads plain decimals; keep exponent forms (1e-7) out of the grammar.
  return /e/i.test(text) ? value.toFixed(20) : text;
}

export function sqlStringList(values: readonly string[]): string {
  return values.length === 0
    ? "arrow_cast(make_array(), 'List(Utf8)')"
    : `make_array(${values.map(sqlString).join(', ')})`;
}

function inList(column: string, values: readonly string[]): string {
  return `${column} IN (${values.map(sqlString).join(', ')})`;
}

/** The owner condition comes first and is ANDed with the rest, so no caller clause can widen it. */
export function whereClause(owner: string, filter: NormalizedFilter, extra: readonly string[] = []): string {
  const c: string[] = [`owner_user_id = ${sqlString(owner)}`];
  if (filter.tagsAny.length > 0) c.push(`array_has_any(tags, ${sqlStringList(filter.tagsAny)})`);
  if (filter.tagsAll.length > 0) c.push(`array_has_all(tags, ${sqlStringList(filter.tagsAll)})`);
  if (filter.createdFromMs !== undefined) c.push(`created_at_ms >= ${sqlNumber(filter.createdFromMs)}`);
  if (filter.createdToMs !== undefined) c.push(`created_at_ms < ${sqlNumber(filter.createdToMs)}`);
  if (filter.minQuality !== undefined) c.push(`quality_score >= ${sqlNumber(filter.minQuality)}`);
  if (filter.maxNsfw !== undefined) c.push(`nsfw_score <= ${sqlNumber(filter.maxNsfw)}`);
  if (filter.minAnomaly !== undefined) c.push(`anomaly_score >= ${sqlNumber(filter.minAnomaly)}`);
  if (filter.flagsAll.length > 0) c.push(`array_has_all(quality_flags, ${sqlStringList(filter.flagsAll)})`);
  if (filter.flagsNone.length > 0)
    c.push(`NOT array_has_any(quality_flags, ${sqlStringList(filter.flagsNone)})`);
  if (filter.sources.length > 0) c.push(inList('source', filter.sources));
  if (filter.sha256 !== undefined) c.push(`sha256 = ${sqlString(filter.sha256)}`);
  if (filter.imageIds.length > 0) c.push(inList('image_id', filter.imageIds));
  if (filter.ids.length > 0) c.push(inList('id', filter.ids));
  if (filter.phashChunks.length > 0)
    c.push(`array_has_any(phash_chunks, ${sqlStringList(filter.phashChunks)})`);
  c.push(...extra);
  return c.map((x) => `(${x})`).join(' AND ');
}
