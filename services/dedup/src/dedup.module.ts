import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule } from '@lookalike/messaging';
import type { DedupConfig } from './dedup.config';

@Module({})
export class DedupModule {
  static forRoot(config: DedupConfig): DynamicModule {
    return {
      module: DedupModule,
      imports: [ServiceCoreModule.forRoot({ service: 'dedup', config })],
    };
  }
}
