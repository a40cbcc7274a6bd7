import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '@lookalike/config';
import { configureGateway } from '../app-setup';
import { renderApiMarkdown } from '../openapi/api-markdown';
import { gatewayEnvSchema } from '../gateway.config';
import { GatewayModule } from '../gateway.module';

/**
 * Writes the gateway's OpenAPI document (docs/openapi.json by default) without serving anything,
 * and regenerates the endpoint reference of docs/API.md from it.
 */
async function main(): Promise<void> {
  const target = resolve(process.argv[2] ?? 'docs/openapi.json');
  const apiMarkdown = resolve(process.argv[3] ?? 'docs/API.md');
  const config = loadConfig(gatewayEnvSchema, {
    AUTH_DEV_LOGIN: 'true',
    TRANSPORT: 'local',
    LOG_LEVEL: 'silent',
    LOOKALIKE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lookalike-openapi-')),
  });
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config), {
    logger: false,
    bodyParser: false,
  });
  const document = configureGateway(app, config);
  writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
  const existing = existsSync(apiMarkdown) ? readFileSync(apiMarkdown, 'utf8') : '# API\n';
  writeFileSync(apiMarkdown, renderApiMarkdown(document, existing));
  await app.close();
  process.stdout.write(`wrote ${target} and ${apiMarkdown}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
