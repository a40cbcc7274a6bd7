import { randomUUID } from 'node:crypto';
import { ErrorCode, LookalikeError, Subjects } from '@lookalike/contracts';
import { runWithRequestContext } from '@lookalike/observability';
import { LocalBus, MessageBus, NatsBus, RpcClient, errorToHeaders } from '../src';

const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

const transports: Array<[string, () => Promise<MessageBus>]> = [
  ['local', async () => new LocalBus(64 * 1024)],
  [
    'nats',
    () =>
      NatsBus.connect({ url: natsUrl, name: 'contract-test', subjectPrefix: `t${randomUUID().slice(0, 8)}` }),
  ],
];

describe.each(transports)('MessageBus contract (%s)', (name, create) => {
  let bus: MessageBus;

  beforeEach(async () => {
    bus = await create();
  });

  afterEach(async () => {
    await bus.close();
  });

  it('carries bytes and headers both ways', async () => {
    await bus.serve('echo.v1.test', 'echo', async (message) => ({
      data: Buffer.concat([Buffer.from('re:'), Buffer.from(message.data)]),
      headers: { 'x-request-id': message.headers['x-request-id'] ?? 'none' },
    }));
    const reply = await bus.request(
      'echo.v1.test',
      { data: Buffer.from('hello'), headers: { 'x-request-id': 'abc' } },
      2000,
    );
    expect(Buffer.from(reply.data).toString()).toBe('re:hello');
    expect(reply.headers['x-request-id']).toBe('abc');
  });

  it('lets image bytes go along in messages on the in-process transport only', () => {
    expect(new RpcClient(bus, { service: 'test' }).carriesImageBytes).toBe(name === 'local');
  });

  it('delivers each request to exactly one member of a queue group', async () => {
    const seen: string[] = [];
    for (const member of ['a', 'b']) {
      await bus.serve('count.v1.test', 'count', async () => {
        seen.push(member);
        return { data: Buffer.from(member), headers: {} };
      });
    }
    for (let i = 0; i < 20; i += 1) {
      await bus.request('count.v1.test', { data: Buffer.alloc(0), headers: {} }, 2000);
    }
    expect(seen).toHaveLength(20);
    expect(new Set(seen).size).toBe(2);
  });

  it('answers unavailable when nobody serves the subject', async () => {
    await expect(
      bus.request('nobody.v1.home', { data: Buffer.alloc(0), headers: {} }, 1000),
    ).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
  });

  it('answers timeout when the handler is slower than the deadline', async () => {
    await bus.serve(
      'slow.v1.test',
      'slow',
      () => new Promise((resolve) => setTimeout(() => resolve({ data: Buffer.alloc(0), headers: {} }), 500)),
    );
    await expect(
      bus.request('slow.v1.test', { data: Buffer.alloc(0), headers: {} }, 100),
    ).rejects.toMatchObject({
      code: ErrorCode.Timeout,
    });
  });

  it('refuses a request larger than the transport accepts before sending it', async () => {
    const tooBig = Buffer.alloc(bus.maxPayload + 1);
    await expect(bus.request('echo.v1.big', { data: tooBig, headers: {} }, 1000)).rejects.toMatchObject({
      code: ErrorCode.PayloadTooLarge,
    });
  });

  it('round-trips typed messages and typed errors through the RpcClient', async () => {
    const subject = Subjects.EmbeddingModelInfo;
    await bus.serve(subject.name, 'embedding', async (message) => {
      if (message.headers['x-request-id'] === 'make-it-fail') {
        return {
          data: new Uint8Array(),
          headers: errorToHeaders(
            new LookalikeError(ErrorCode.Busy, 'queue full', {
              retryAfterSeconds: 2,
              details: { depth: 64 },
            }),
          ),
        };
      }
      const reply = subject.response.fromPartial({ name: 'test-model', dim: 512, textAvailable: true });
      return { data: subject.response.encode(reply).finish(), headers: {} };
    });
    const client = new RpcClient(bus, { service: 'test' });
    await expect(client.send(subject, {})).resolves.toMatchObject({
      name: 'test-model',
      dim: 512,
      textAvailable: true,
    });
    const failure = runWithRequestContext({ requestId: 'make-it-fail' }, () => client.send(subject, {}));
    await expect(failure).rejects.toBeInstanceOf(LookalikeError);
    await expect(failure).rejects.toMatchObject({
      code: ErrorCode.Busy,
      retryAfterSeconds: 2,
      details: { depth: 64 },
    });
  });
});
