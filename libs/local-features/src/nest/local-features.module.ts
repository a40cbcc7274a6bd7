import { type DynamicModule, Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { LocalFeaturePool } from '../feature-pool';

export const LOCAL_FEATURES_SETTINGS = Symbol('LOCAL_FEATURES_SETTINGS');

export interface LocalFeaturesSettings {
  LOCAL_FEATURES: boolean;
  LOCAL_FEATURES_THREADS: number;
}

/**
 * This process's OpenCV worker pool, started with the module and closed with it; `pool` is null
 * when LOCAL_FEATURES is off.
 */
@Injectable()
export class LocalFeatureWorkers implements OnModuleDestroy {
  readonly pool: LocalFeaturePool | null;

  constructor(@Inject(LOCAL_FEATURES_SETTINGS) settings: LocalFeaturesSettings) {
    this.pool = settings.LOCAL_FEATURES
      ? new LocalFeaturePool({ threads: settings.LOCAL_FEATURES_THREADS })
      : null;
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.close();
  }
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
