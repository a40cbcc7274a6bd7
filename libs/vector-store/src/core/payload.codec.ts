import { LookalikeError } from '@lookalike/contracts';
import { phashChunks } from '../filter/vector-filter';
import {
  IDENTITY_FIELDS,
  type PayloadField,
  type PayloadPatch,
  type PayloadSelector,
  type PointPayload,
} from '../vector-store.port';

/** The payload as both engines store it: DESIGN.md section 3 names plus derived fields. */
export interface StoredPayload {
  image_id: string;
  owner_user_id: string;
  bucket: string;
  key: string;
  sha256: string;
  phash: string;
  phash_chunks: string[];
  width: number;
  height: number;
  format: string;
  source: string;
  tags: string[];
  /** ISO-8601 in UTC, normalised with `toISOString`. */
  created_at: string;
  model_name: string;
  model_version: string;
  quality_score: number;
  quality_flags: string[];
  nsfw_score: number;
  anomaly_score: number;
  size_bytes: number;
}

const FIELD_MAP = {
  imageId: 'image_id',
  ownerUserId: 'owner_user_id',
  bucket: 'bucket',
  key: 'key',
  sha256: 'sha256',
  phash: 'phash',
  width: 'width',
  height: 'height',
  format: 'format',
  source: 'source',
  tags: 'tags',
  createdAt: 'created_at',
  modelName: 'model_name',
  modelVersion: 'model_version',
  qualityScore: 'quality_score',
  qualityFlags: 'quality_flags',
  nsfwScore: 'nsfw_score',
  anomalyScore: 'anomaly_score',
  sizeBytes: 'size_bytes',
} as const satisfies Record<keyof PointPayload, Exclude<keyof StoredPayload, 'phash_chunks'>>;

type PayloadKey = keyof typeof FIELD_MAP;
const STRING_FIELDS: readonly PayloadKey[] = [
  'imageId',
  'ownerUserId',
  'bucket',
  'key',
  'sha256',
  'phash',
  'format',
  'source',
  'createdAt',
  'modelName',
  'modelVersion',
];
const NUMBER_FIELDS: readonly PayloadKey[] = [
  'width',
  'height',
  'qualityScore',
  'nsfwScore',
  'anomalyScore',
  'sizeBytes',
];
const LIST_FIELDS: readonly PayloadKey[] = ['tags', 'qualityFlags'];

function isoInstant(value: string, field: string): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw LookalikeError.invalid(`payload.${field} must be an ISO-8601 date-time`, { value });
  return new Date(ms).toISOString();
}

function chunksOf(phash: string): string[] {
  return phash === '' ? [] : phashChunks(phash);
}

function checkValue(key: PayloadKey, value: unknown): void {
  if (STRING_FIELDS.includes(key) && typeof value !== 'string')
    throw LookalikeError.invalid(`payload.${key} must be a string`);
  if (NUMBER_FIELDS.includes(key) && (typeof value !== 'number' || !Number.isFinite(value))) {
    throw LookalikeError.invalid(`payload.${key} must be a finite number`);
  }
  if (LIST_FIELDS.includes(key) && (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))) {
    throw LookalikeError.invalid(`payload.${key} must be a list of strings`);
  }
}

export function toStoredPayload(payload: PointPayload): StoredPayload {
  for (const key of Object.keys(FIELD_MAP) as PayloadKey[]) checkValue(key, payload[key]);
  return {
    image_id: payload.imageId,
    owner_user_id: payload.ownerUserId,
    bucket: payload.bucket,
    key: payload.key,
    sha256: payload.sha256.toLowerCase(),
    phash: payload.phash.toLowerCase(),
    phash_chunks: chunksOf(payload.phash),
    width: payload.width,
    height: payload.height,
    format: payload.format,
    source: payload.source,
    tags: [...new Set(payload.tags)],
    created_at: isoInstant(payload.createdAt, 'createdAt'),
    model_name: payload.modelName,
    model_version: payload.modelVersion,
    quality_score: payload.qualityScore,
    quality_flags: [...new Set(payload.qualityFlags)],
    nsfw_score: payload.nsfwScore,
    anomaly_score: payload.anomalyScore,
    size_bytes: payload.sizeBytes,
  };
}

/** Reads a stored record back; missing fields take proto defaults so old points still decode. */
export function fromStoredPayload(stored: Partial<Record<keyof StoredPayload, unknown>>): PointPayload {
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    imageId: str(stored.image_id),
    ownerUserId: str(stored.owner_user_id),
    bucket: str(stored.bucket),
    key: str(stored.key),
    sha256: str(stored.sha256),
    phash: str(stored.phash),
    width: num(stored.width),
    height: num(stored.height),
    format: str(stored.format),
    source: str(stored.source),
    tags: list(stored.tags),
    createdAt: str(stored.created_at),
    modelName: str(stored.model_name),
    modelVersion: str(stored.model_version),
    qualityScore: num(stored.quality_score),
    qualityFlags: list(stored.quality_flags),
    nsfwScore: num(stored.nsfw_score),
    anomalyScore: num(stored.anomaly_score),
    sizeBytes: num(stored.size_bytes),
  };
}

/** Translates a patch to stored names; identity fields are refused, pHash chunks follow pHash. */
export function toStoredPatch(patch: PayloadPatch): Partial<StoredPayload> {
  const out: Partial<Record<keyof StoredPayload, unknown>> = {};
  for (const [key, value] of Object.entries(patch) as [string, unknown][]) {
    if ((IDENTITY_FIELDS as readonly string[]).includes(key)) {
      throw LookalikeError.invalid(`payload.${key} identifies the point and cannot be changed`, {
        field: key,
      });
    }
    if (!(key in FIELD_MAP))
      throw LookalikeError.invalid(`payload.${key} is not a payload field`, { field: key });
    if (value === undefined) continue;
    const k = key as PayloadKey;
    checkValue(k, value);
    if (k === 'createdAt') out.created_at = isoInstant(value as string, key);
    else if (k === 'phash') {
      out.phash = (value as string).toLowerCase();
      out.phash_chunks = chunksOf(value as string);
    } else if (k === 'tags' || k === 'qualityFlags') out[FIELD_MAP[k]] = [...new Set(value as string[])];
    else out[FIELD_MAP[k]] = value;
  }
  if (Object.keys(out).length === 0) throw LookalikeError.invalid('the payload patch changes nothing');
  return out as Partial<StoredPayload>;
}

/** Checks a payload selector: a field list must name contract payload fields. */
export function checkPayloadSelector(selector: PayloadSelector | undefined): PayloadSelector {
  if (selector === undefined) return true;
  if (typeof selector === 'boolean') return selector;
  if (!Array.isArray(selector)) throw LookalikeError.invalid('withPayload must be a boolean or a field list');
  for (const field of selector) {
    if (typeof field !== 'string' || !(field in FIELD_MAP))
      throw LookalikeError.invalid(`payload.${String(field)} is not a payload field`, { field });
  }
  return [...new Set(selector)];
}

/** The stored (snake_case) names of the fields a selector reads; all of them for `true`. */
export function storedFieldsOf(selector: PayloadSelector): (keyof StoredPayload)[] {
  if (selector === false) return [];
  const fields = selector === true ? (Object.keys(FIELD_MAP) as PayloadField[]) : selector;
  return fields.map((f) => FIELD_MAP[f]);
}

/** The payload with only the selected fields kept, the others at their zero values. */
export function selectPayload(payload: PointPayload, selector: PayloadSelector): PointPayload {
  if (selector === true) return payload;
  const out = fromStoredPayload({});
  if (selector === false) return out;
  const target = out as unknown as Record<PayloadField, unknown>;
  for (const field of selector) target[field] = payload[field];
  return out;
}
