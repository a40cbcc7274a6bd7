import { LookalikeError } from '@lookalike/contracts';
import {
  DEFAULT_HNSW,
  NO_QUANTIZATION,
  namedVectorsOf,
  type CollectionSpec,
  type HnswSpec,
  type ModelSpec,
  type NamedVectorDescription,
  type QuantizationSpec,
  type UpsertPoint,
  type VectorInput,
  type VectorUpdate,
} from '../vector-store.port';
import { normalizeVector } from './vector-math';

const MODEL_NAME_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** What a collection holds, as recorded by whichever engine stores it. */
export interface CollectionState {
  models: ModelSpec[];
  hnsw: HnswSpec;
  quantization: QuantizationSpec;
}

export function checkSpec(spec: CollectionSpec): void {
  if (!spec || !Array.isArray(spec.models) || spec.models.length === 0) {
    throw LookalikeError.invalid('a collection needs at least one model');
  }
  const names = new Set<string>();
  for (const m of spec.models) {
    if (typeof m.name !== 'string' || !MODEL_NAME_RE.test(m.name)) {
      throw LookalikeError.invalid(
        'model names are lower-case words joined by "-" (they become vector names)',
        { model: m.name },
      );
    }
    if (names.has(m.name)) throw LookalikeError.invalid('a model is listed twice', { model: m.name });
    names.add(m.name);
    if (!Number.isInteger(m.dimension) || m.dimension < 1 || m.dimension > 65_536) {
      throw LookalikeError.invalid('model dimension must be a positive integer', {
        model: m.name,
        dimension: m.dimension,
      });
    }
  }
  if (spec.distance !== undefined && spec.distance !== 'Cosine')
    throw LookalikeError.invalid('only Cosine distance is supported');
  const q = spec.quantization;
  if (q) {
    if (!['none', 'scalar', 'product', 'binary'].includes(q.kind))
      throw LookalikeError.invalid('unknown quantization', { kind: q.kind });
    if (q.oversampling !== undefined && !(Number.isFinite(q.oversampling) && q.oversampling >= 1)) {
      throw LookalikeError.invalid('quantization.oversampling must be >= 1');
    }
  }
  if (
    spec.hnsw &&
    (!Number.isInteger(spec.hnsw.m) ||
      spec.hnsw.m < 2 ||
      !Number.isInteger(spec.hnsw.efConstruct) ||
      spec.hnsw.efConstruct < 4)
  ) {
    throw LookalikeError.invalid('hnsw.m must be >= 2 and hnsw.efConstruct >= 4');
  }
}

/**
 * Merges a requested spec into what exists: new models are added (re-index), a model whose
 * dimension changed is a conflict (it needs a new model name), the rest is kept.
 */
export function mergeSpec(
  existing: CollectionState | null,
  spec: CollectionSpec,
): { state: CollectionState; added: ModelSpec[] } {
  checkSpec(spec);
  const quantization: QuantizationSpec = { ...NO_QUANTIZATION, ...(spec.quantization ?? {}) };
  if (!existing) {
    return {
      state: {
        models: spec.models.map((m) => ({ ...m })),
        hnsw: { ...DEFAULT_HNSW, ...(spec.hnsw ?? {}) },
        quantization,
      },
      added: spec.models.map((m) => ({ ...m })),
    };
  }
  const models = existing.models.map((m) => ({ ...m }));
  const added: ModelSpec[] = [];
  for (const m of spec.models) {
    const old = models.find((x) => x.name === m.name);
    if (!old) {
      models.push({ ...m });
      added.push({ ...m });
    } else if (old.dimension !== m.dimension || old.crops !== m.crops) {
      throw new LookalikeError(
        'conflict',
        `model ${m.name} is stored with ${old.dimension} dimensions (crops: ${old.crops}); a changed model needs a new name`,
        { details: { model: m.name } },
      );
    } else if (old.version !== m.version) {
      old.version = m.version;
    }
  }
  return { state: { ...existing, models }, added };
}

export class VectorLayout {
  readonly vectors: Map<string, NamedVectorDescription>;

  constructor(readonly models: readonly ModelSpec[]) {
    this.vectors = new Map(namedVectorsOf(models).map((v) => [v.name, v]));
  }

  require(name: string, kind: 'global' | 'crops'): NamedVectorDescription {
    const v = this.vectors.get(name);
    if (!v) {
      throw LookalikeError.invalid(`the collection holds no vector named ${name}`, {
        vector: name,
        known: [...this.vectors.keys()],
      });
    }
    if (v.kind !== kind)
      throw LookalikeError.invalid(`vector ${name} is a ${v.kind} vector, not ${kind}`, { vector: name });
    return v;
  }

  normalizeGlobal(name: string, vector: VectorInput): Float32Array {
    return normalizeVector(vector, this.require(name, 'global').dimension, name);
  }

  normalizeCrops(name: string, crops: readonly VectorInput[]): Float32Array[] {
    const d = this.require(name, 'crops').dimension;
    if (!Array.isArray(crops) || crops.length === 0)
      throw LookalikeError.invalid(`multivector ${name} needs at least one crop`);
    return crops.map((c) => normalizeVector(c, d, name));
  }

  /** Checks and normalises every vector of a point or update. */
  normalizePoint(point: Pick<UpsertPoint, 'vectors' | 'multivectors'> | VectorUpdate): {
    vectors: Map<string, Float32Array>;
    multivectors: Map<string, Float32Array[]>;
  } {
    const vectors = new Map<string, Float32Array>();
    const multivectors = new Map<string, Float32Array[]>();
    for (const [name, v] of Object.entries(point.vectors ?? {}))
      vectors.set(name, this.normalizeGlobal(name, v));
    for (const [name, crops] of Object.entries(point.multivectors ?? {}))
      multivectors.set(name, this.normalizeCrops(name, crops));
    return { vectors, multivectors };
  }
}
