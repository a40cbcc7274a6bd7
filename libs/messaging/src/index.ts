export * from './message-bus.port';
export * from './wire-errors';
export * from './local/local.bus';
export * from './nats/nats.bus';
export * from './rpc-client';
export * from './bus-server';
export * from './rpc-exception.filter';
export * from './messaging.module';
