export { startEmbeddedStack, EmbeddedStack } from './embedded-host';
