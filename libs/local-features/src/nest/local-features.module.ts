import { type DynamicModule, Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { outcomeCounter } from '@lookalike/observability';
import type { CvRuntimeChoice } from '../cv-ops';
import { LocalFeaturePool } from '../feature-pool';

export const LOCAL_FEATURES_SETTINGS = Symbol('LOCAL_FEATURES_SETTINGS');

export interface LocalFeaturesSettings {
  LOCAL_FEATURES: boolean;
  LOCAL_FEATURES_THREADS: number;
  /** Absent: `auto` (native OpenCV when built). */
  LOCAL_FEATURES_RUNTIME?: CvRuntimeChoice;
}

/** Pools of this process by thread count and runtime, with how many modules hold each. */
const shared = new Map<string, { pool: LocalFeaturePool; holders: number }>();

function poolKey(settings: LocalFeaturesSettings): string {
  return `${settings.LOCAL_FEATURES_THREADS}:${settings.LOCAL_FEATURES_RUNTIME ?? 'auto'}`;
}

/**
 * This process's OpenCV worker pool, started with the first module that needs it and closed with
 * the last: in the embedded mode ingest, dedup and search share one pool (and its threads' ~60 MB
 * each) instead of starting three. `pool` is null when LOCAL_FEATURES is off.
 */
@Injectable()
export class LocalFeatureWorkers implements OnModuleDestroy {
  readonly pool: LocalFeaturePool | null;
  private released = false;

  constructor(@Inject(LOCAL_FEATURES_SETTINGS) private readonly settings: LocalFeaturesSettings) {
    if (!settings.LOCAL_FEATURES) {
      this.pool = null;
      return;
    }
    const key = poolKey(settings);
    const entry = shared.get(key) ?? {
      pool: meteredPool(settings.LOCAL_FEATURES_THREADS, settings.LOCAL_FEATURES_RUNTIME ?? 'auto'),
      holders: 0,
    };
    entry.holders += 1;
    shared.set(key, entry);
    this.pool = entry.pool;
  }

  async onModuleDestroy(): Promise<void> {
    if (!this.pool || this.released) return;
    this.released = true;
    const key = poolKey(this.settings);
    const entry = shared.get(key);
    if (!entry || entry.pool !== this.pool) return;
    entry.holders -= 1;
    if (entry.holders > 0) return;
    shared.delete(key);
    await entry.pool.close();
  }
}

/**
 * A pool whose work shows on /metrics: `lookalike_local_features_seconds_total{op,runtime}` (CPU seconds
 * of its threads) over `lookalike_local_features_items_total{op,runtime}` (images extracted, pairs verified)
 * is the CPU local features cost per image and per pair.
 */
function meteredPool(threads: number, runtime: CvRuntimeChoice): LocalFeaturePool {
  const pool = new LocalFeaturePool({ threads, runtime });
  const seconds = outcomeCounter(
    'lookalike_local_features_seconds_total',
    'CPU seconds of the local-feature worker threads, by operation (extract, verify) and OpenCV runtime (native, wasm)',
    ['op', 'runtime'],
  );
  const items = outcomeCounter(
    'lookalike_local_features_items_total',
    'Images whose local features were extracted (op=extract) and pairs verified (op=verify), by OpenCV runtime',
    ['op', 'runtime'],
  );
  pool.onUsage((op, count, busy) => {
    seconds.inc({ op, runtime: pool.runtime }, busy);
    items.inc({ op, runtime: pool.runtime }, count);
  });
  return pool;
}

@Module({})
export class LocalFeaturesModule {
  static forRoot(settings: LocalFeaturesSettings): DynamicModule {
    return {
      module: LocalFeaturesModule,
      providers: [{ provide: LOCAL_FEATURES_SETTINGS, useValue: settings }, LocalFeatureWorkers],
      exports: [LocalFeatureWorkers],
    };
  }
}
