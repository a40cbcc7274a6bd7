/** A request or reply on the transport: opaque bytes plus string headers. */
export interface BusMessage {
  data: Uint8Array;
  headers: Record<string, string>;
}

export type BusHandler = (message: BusMessage) => Promise<BusMessage>;

export interface BusSubscription {
  unsubscribe(): Promise<void>;
}

/**
 * The transport port: request-reply with a timeout, and queue-group subscriptions.
 * Implementations: NATS (distributed) and an in-process bus (embedded); both pass
 * libs/messaging/test/message-bus.contract.ts.
 */
export interface MessageBus {
  readonly kind: 'nats' | 'local';
  /** Largest request the transport accepts, in bytes. */
  readonly maxPayload: number;
  request(subject: string, message: BusMessage, timeoutMs: number): Promise<BusMessage>;
  serve(subject: string, queue: string, handler: BusHandler): Promise<BusSubscription>;
  /** Resolves when the transport answers (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const MESSAGE_BUS = Symbol('MESSAGE_BUS');
