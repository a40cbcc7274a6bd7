import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule } from '@lookalike/messaging';
import type { AnomalyConfig } from './anomaly.config';

@Module({})
export class AnomalyModule {
  static forRoot(config: AnomalyConfig): DynamicModule {
    return {
      module: AnomalyModule,
      imports: [ServiceCoreModule.forRoot({ service: 'anomaly', config })],
    };
  }
}
