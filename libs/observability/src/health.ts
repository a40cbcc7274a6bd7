import {
  Controller,
  DynamicModule,
  FactoryProvider,
  Get,
  Inject,
  Module,
  ModuleMetadata,
  SetMetadata,
} from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TerminusModule,
} from '@nestjs/terminus';

/** A dependency probe for /readyz: resolves when the dependency answers, throws when it does not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** Metadata key of routes that need no authentication (probes, metrics, docs). */
export const PUBLIC_ROUTE = 'lookalike:public';
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

const healthSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'error'] },
    info: { type: 'object', additionalProperties: true },
    error: { type: 'object', additionalProperties: true },
    details: { type: 'object', additionalProperties: true },
  },
};

@ApiTags('operations')
@PublicRoute()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  @Get('healthz')
  @ApiOperation({ operationId: 'healthz', summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: healthSchema })
  @HealthCheck()
  liveness() {
    return this.health.check([]);
  }

  @Get('readyz')
  @ApiOperation({ operationId: 'readyz', summary: 'Readiness: the transport and the dependencies answer' })
  @ApiOkResponse({ schema: healthSchema })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down (per-dependency report in `errors`)' })
  @HealthCheck()
  readiness() {
    return this.health.check(this.checks.map((probe) => () => this.probe(probe)));
  }

  private async probe(probe: ReadinessCheck): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(probe.name);
    try {
      await probe.check();
      return session.up();
    } catch (error) {
      return session.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}

export interface HealthModuleOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory?: (...deps: never[]) => ReadinessCheck[];
}

/** /healthz (the process) and /readyz (its dependencies) with @nestjs/terminus. */
@Module({})
export class HealthModule {
  static forRoot(options: HealthModuleOptions = {}): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), ...(options.imports ?? [])],
      controllers: [HealthController],
      providers: [
        {
          provide: READINESS_CHECKS,
          inject: options.inject ?? [],
          useFactory: (options.useFactory ?? (() => [])) as FactoryProvider['useFactory'],
        },
      ],
    };
  }
}
