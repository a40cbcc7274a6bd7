import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule } from '@lookalike/messaging';
import type { SearchConfig } from './search.config';

@Module({})
export class SearchModule {
  static forRoot(config: SearchConfig): DynamicModule {
    return {
      module: SearchModule,
      imports: [ServiceCoreModule.forRoot({ service: 'search', config })],
    };
  }
}
