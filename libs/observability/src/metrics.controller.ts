import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { PublicRoute } from './health';
import { metricsExposition, metricsRegistry } from './metrics';

/** /metrics in the Prometheus text format, open to scrapers like the probes. */
@ApiTags('operations')
@PublicRoute()
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @ApiOperation({ operationId: 'metrics', summary: 'Prometheus metrics of the process' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string' } })
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.header('Content-Type', metricsRegistry.contentType);
    return metricsExposition();
  }
}
