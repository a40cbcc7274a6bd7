import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule } from '@lookalike/messaging';
import type { IngestConfig } from './ingest.config';

@Module({})
export class IngestModule {
  static forRoot(config: IngestConfig): DynamicModule {
    return {
      module: IngestModule,
      imports: [ServiceCoreModule.forRoot({ service: 'ingest', config })],
    };
  }
}
