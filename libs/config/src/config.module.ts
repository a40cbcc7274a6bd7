import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ZodTypeAny } from 'zod';
import { loadConfig } from './load-config';

/** Token under which a service's validated, typed configuration is provided. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Validates the environment once at start (through @nestjs/config) and provides the typed
 * result under APP_CONFIG; a bad variable stops the process with its name in the message.
 */
@Module({})
export class LookalikeConfigModule {
  static forRoot(schema: ZodTypeAny, env?: Record<string, string | undefined>): DynamicModule {
    return LookalikeConfigModule.forValue(loadConfig(schema, env ?? process.env));
  }

  /** For a configuration already validated by the service's main.ts. */
  static forValue(config: object): DynamicModule {
    return {
      module: LookalikeConfigModule,
      global: true,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, isGlobal: true, load: [() => config] })],
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
