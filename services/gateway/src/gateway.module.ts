import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { MulterModule } from '@nestjs/platform-express';
import { ThrottlerModule } from '@nestjs/throttler';
import { memoryStorage } from 'multer';
import { Subjects } from '@lookalike/contracts';
import { RpcClient, ServiceCoreModule } from '@lookalike/messaging';
import { AdminGuard, Admins } from './auth/admin.guard';
import { AuthGuard } from './auth/auth.guard';
import { AuthService } from './auth/auth.service';
import { SlidingWindowThrottlerStorage } from './auth/sliding-window.storage';
import { UserThrottlerGuard } from './auth/user-throttler.guard';
import { AuthController } from './controllers/auth.controller';
import { ImagesController } from './controllers/images.controller';
import { StatsController } from './controllers/stats.controller';
import { ThresholdsController } from './controllers/thresholds.controller';
import { VideosController } from './controllers/videos.controller';
import { StatsService } from './services/stats.service';
import { ThresholdsService } from './services/thresholds.service';
import { VideosService } from './services/videos.service';
import { ObjectsController } from './controllers/objects.controller';
import { PlatformController } from './controllers/platform.controller';
import { DedupController, FeedbackController, QaController } from './controllers/quality.controller';
import { SearchController } from './controllers/search.controller';
import { ProblemFilter } from './errors/problem.filter';
import type { GatewayConfig } from './gateway.config';
import { ImagesService } from './services/images.service';
import { ObjectUploader } from './services/object-uploader';
import { ObjectsService } from './services/objects.service';
import { PlatformService } from './services/platform.service';
import { QualityService } from './services/quality.service';
import { SearchService } from './services/search.service';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'gateway',
          config,
          readiness: {
            inject: [RpcClient],
            useFactory: ((rpc: RpcClient) => [
              {
                name: 'embedding',
                check: async () => {
                  await rpc.send(Subjects.EmbeddingModelInfo, {}, { timeoutMs: 2000 });
                },
              },
            ]) as never,
          },
        }),
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE }],
          storage: new SlidingWindowThrottlerStorage(),
        }),
        MulterModule.register({
          storage: memoryStorage(),
          limits: { fileSize: config.MAX_IMAGE_BYTES, files: 1, fields: 40, fieldSize: 256 * 1024 },
        }),
      ],
      controllers: [
        AuthController,
        ImagesController,
        SearchController,
        DedupController,
        QaController,
        FeedbackController,
        PlatformController,
        ObjectsController,
        VideosController,
        StatsController,
        ThresholdsController,
      ],
      providers: [
        AuthService,
        ImagesService,
        SearchService,
        QualityService,
        PlatformService,
        ObjectUploader,
        ObjectsService,
        VideosService,
        StatsService,
        ThresholdsService,
        Admins,
        AdminGuard,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: UserThrottlerGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
