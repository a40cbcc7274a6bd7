import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { LocalBus } from './local/local.bus';
import { ThreadBus } from './local/thread.bus';
import { MESSAGE_BUS, MessageBus } from './message-bus.port';
import { NatsBus } from './nats/nats.bus';
import { RpcClient } from './rpc-client';

export interface MessagingOptions {
  service: string;
  transport: 'local' | 'nats';
  natsUrl: string;
  natsSubjectPrefix?: string;
  timeoutOverrideMs?: number;
}

export async function createMessageBus(options: MessagingOptions): Promise<MessageBus> {
  if (options.transport === 'local') {
    // A module in a worker thread of the embedded process reaches the main thread's bus.
    return ThreadBus.forThread() ?? LocalBus.forProcess();
  }
  return NatsBus.connect({
    url: options.natsUrl,
    name: `lookalike-${options.service}`,
    subjectPrefix: options.natsSubjectPrefix,
  });
}

@Injectable()
class BusLifecycle implements OnApplicationShutdown {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  async onApplicationShutdown(): Promise<void> {
    // The in-process bus belongs to the whole process; its owner (the embedded host) closes it.
    if (this.bus.kind === 'nats') {
      await this.bus.close();
    }
  }
}

/** Provides the transport (MESSAGE_BUS) and the typed RpcClient to a service. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: MESSAGE_BUS, useFactory: () => createMessageBus(options) },
        {
          provide: RpcClient,
          inject: [MESSAGE_BUS],
          useFactory: (bus: MessageBus) =>
            new RpcClient(bus, { service: options.service, timeoutOverrideMs: options.timeoutOverrideMs }),
        },
        BusLifecycle,
      ],
      exports: [MESSAGE_BUS, RpcClient],
    };
  }
}
