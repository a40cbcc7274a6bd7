import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule } from '@lookalike/messaging';
import type { FeedbackConfig } from './feedback.config';

@Module({})
export class FeedbackModule {
  static forRoot(config: FeedbackConfig): DynamicModule {
    return {
      module: FeedbackModule,
      imports: [ServiceCoreModule.forRoot({ service: 'feedback', config })],
    };
  }
}
