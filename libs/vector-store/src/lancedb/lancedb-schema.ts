import {
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  List,
  Schema,
  Utf8,
  type DataType,
} from 'apache-arrow';
import type { StoredPayload } from '../core/payload.codec';
import type { NamedVectorDescription } from '../vector-store.port';

const utf8List = () => new List(new Field('item', new Utf8(), true));

/** Payload columns in DESIGN.md section 3 order, plus `created_at_ms` for ranges and ordering. */
export const PAYLOAD_COLUMNS: readonly [keyof StoredPayload | 'created_at_ms', () => DataType][] = [
  ['image_id', () => new Utf8()],
  ['owner_user_id', () => new Utf8()],
  ['bucket', () => new Utf8()],
  ['key', () => new Utf8()],
  ['sha256', () => new Utf8()],
  ['phash', () => new Utf8()],
  ['phash_chunks', utf8List],
  ['width', () => new Int32()],
  ['height', () => new Int32()],
  ['format', () => new Utf8()],
  ['source', () => new Utf8()],
  ['tags', utf8List],
  ['created_at', () => new Utf8()],
  ['created_at_ms', () => new Float64()],
  ['model_name', () => new Utf8()],
  ['model_version', () => new Utf8()],
  ['quality_score', () => new Float64()],
  ['quality_flags', utf8List],
  ['nsfw_score', () => new Float64()],
  ['anomaly_score', () => new Float64()],
  ['size_bytes', () => new Float64()],
];

export const PAYLOAD_COLUMN_NAMES: string[] = ['id', ...PAYLOAD_COLUMNS.map(([n]) => n)];

export function vectorField(v: NamedVectorDescription): Field {
  const item = new FixedSizeList(v.dimension, new Field('item', new Float32(), true));
  // Global vectors are one fixed-size list; crops are a list of them (LanceDB multivector).
  return v.kind === 'global'
    ? new Field(v.name, item, true)
    : new Field(v.name, new List(new Field('item', item, true)), true);
}

export function tableSchema(vectors: readonly NamedVectorDescription[]): Schema {
  return new Schema([
    new Field('id', new Utf8(), false),
    ...PAYLOAD_COLUMNS.map(([name, type]) => new Field(name, type(), name !== 'owner_user_id')),
    ...vectors.map(vectorField),
  ]);
}
