export { startEmbeddedStack, type EmbeddedStack, type EmbeddedServiceName } from './embedded-host';
