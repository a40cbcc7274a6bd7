export { startGateway, type StartGatewayOptions } from './main';
export { GatewayModule } from './gateway.module';
export { gatewayEnvSchema, GatewayConfig } from './gateway.config';
export { configureGateway, buildOpenApi } from './app-setup';
