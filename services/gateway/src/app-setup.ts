import { INestApplication, RequestMethod, ValidationError, ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import compression from 'compression';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LookalikeError } from '@lookalike/contracts';
import { httpDurationHistogram, requestContextMiddleware } from '@lookalike/observability';
import { ProblemDto } from './dtos/common.dto';
import type { GatewayConfig } from './gateway.config';

const ROOT_ROUTES = ['healthz', 'readyz', 'metrics'];

/** Everything the gateway's HTTP surface needs besides its modules; shared by main and tests. */
export function configureGateway(app: NestExpressApplication, config: GatewayConfig): OpenAPIObject {
  app.use(requestContextMiddleware);
  app.use(httpMetricsMiddleware);
  app.set('trust proxy', 'loopback');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'img-src': ["'self'", 'data:', 'blob:', 'http:', 'https:'],
          // Videos play from signed URLs, which may point at the object store's own host (S3/MinIO).
          'media-src': ["'self'", 'blob:', 'http:', 'https:'],
          'connect-src': ["'self'", 'http:', 'https:'],
        },
      },
      crossOriginResourcePolicy: { policy: 'same-site' },
    }),
  );
  app.use(compression());
  const origins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  app.enableCors({
    origin: origins.length > 0 ? origins : false,
    exposedHeaders: ['x-request-id', 'retry-after', 'location'],
  });
  app.useBodyParser('json', { limit: config.BODY_LIMIT_BYTES });
  app.useBodyParser('urlencoded', { limit: config.BODY_LIMIT_BYTES, extended: false });
  app.setGlobalPrefix('api', { exclude: ROOT_ROUTES.map((path) => ({ path, method: RequestMethod.GET })) });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) =>
        LookalikeError.invalid('the request is not valid', { fields: flattenValidationErrors(errors) }),
    }),
  );
  const document = buildOpenApi(app);
  SwaggerModule.setup('docs', app, document, {
    useGlobalPrefix: false,
    jsonDocumentUrl: 'docs/openapi.json',
    customSiteTitle: 'Lookalike API',
  });
  serveConsole(app, config.CONSOLE_DIR);
  return document;
}

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Lookalike API')
    .setDescription(
      'Visual similarity and image quality control: upload images, find exact and near duplicates, search by image or text, cluster look-alikes, review anomalies and record feedback. Errors are application/problem+json (see ProblemDto).',
    )
    .setVersion('1.0.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, builder, {
    extraModels: [ProblemDto],
    operationIdFactory: (_controller, method) => method,
  });
  // One operation, two bodies: JSON queries and a multipart query image.
  const similar = document.paths['/api/search/similar']?.post?.requestBody;
  if (similar && 'content' in similar) {
    similar.content['application/json'] = {
      schema: { $ref: '#/components/schemas/SimilarSearchRequestDto' },
    };
    similar.content['multipart/form-data'] = {
      schema: { $ref: '#/components/schemas/SimilarSearchUploadDto' },
    };
  }
  return document;
}

function flattenValidationErrors(errors: ValidationError[], parent = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) {
      out[path] = Object.values(error.constraints);
    }
    Object.assign(out, flattenValidationErrors(error.children ?? [], path));
  }
  return out;
}

function httpMetricsMiddleware(req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const route =
      (req.route as { path?: string } | undefined)?.path ?? (res.statusCode === 404 ? 'unmatched' : req.path);
    httpDurationHistogram().observe(
      {
        service: 'gateway',
        method: req.method,
        route: `${req.baseUrl}${route}`,
        status: String(res.statusCode),
      },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
  });
  next();
}

/** The built console at `/`, with client-side routes falling back to index.html. */
function serveConsole(app: NestExpressApplication, dir: string): void {
  const root = resolve(dir);
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    return;
  }
  // Vite names every built asset by its content hash: cache it for good, and answer a missing one
  // with 404 (an old page asking for a chunk a deploy removed), never with index.html.
  app.use(
    '/assets',
    express.static(join(root, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }),
  );
  app.use(express.static(root, { index: false, maxAge: '1h' }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const apiLike = /^\/(api|docs|healthz|readyz|metrics)(\/|$)/.test(req.path);
    if (req.method !== 'GET' || apiLike || !req.accepts('html')) {
      next();
      return;
    }
    // The page names the current assets: always revalidated, so a deploy shows at once.
    res.sendFile(index, { headers: { 'Cache-Control': 'no-cache' } });
  });
}
