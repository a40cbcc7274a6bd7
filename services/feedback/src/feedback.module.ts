import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule } from '@lookalike/messaging';
import { PersistenceModule } from '@lookalike/persistence';
import { FeedbackController } from './controllers/feedback.controller';
import type { FeedbackConfig } from './feedback.config';
import { FeedbackStoreRepository } from './repositories/feedback-store.repository';
import { QualityLoopRepository } from './repositories/quality-loop.repository';
import { QcMetricsService } from './metrics/qc-metrics.service';
import { FeedbackService } from './services/feedback.service';
import { StatsService } from './services/stats.service';

@Module({})
export class FeedbackModule {
  static forRoot(config: FeedbackConfig): DynamicModule {
    return {
      module: FeedbackModule,
      imports: [
        ServiceCoreModule.forRoot({ service: 'feedback', config }),
        PersistenceModule.forRoot(config),
      ],
      controllers: [FeedbackController],
      providers: [
        FeedbackService,
        FeedbackStoreRepository,
        QualityLoopRepository,
        StatsService,
        QcMetricsService,
      ],
    };
  }
}
