import { MessageChannel } from 'node:worker_threads';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { LocalBus } from './local.bus';
import { serveBusOnPort, ThreadBus } from './thread.bus';

describe('ThreadBus', () => {
  let main: LocalBus;
  let channel: MessageChannel;
  let stop: () => void;
  let sut: ThreadBus;

  beforeEach(() => {
    main = new LocalBus(64 * 1024);
    channel = new MessageChannel();
    stop = serveBusOnPort(channel.port1, main, {
      metrics: async () => [{ name: 'lookalike_example_total', type: 'counter', values: [] }],
    });
    sut = new ThreadBus(channel.port2, 64 * 1024);
  });

  afterEach(async () => {
    stop();
    await sut.close();
    channel.port1.close();
    await main.close();
  });

  it('carries bytes and headers to the serving bus and back, copied', async () => {
    await main.serve('echo.v1.test', 'echo', async (message) => ({
      data: Buffer.concat([Buffer.from('re:'), Buffer.from(message.data)]),
      headers: { 'x-request-id': message.headers['x-request-id'] ?? 'none' },
    }));
    // A view into a bigger buffer (like Buffer's pool): only its own bytes travel.
    const backing = Buffer.from('xxhelloxx');
    const data = backing.subarray(2, 7);
    const reply = await sut.request('echo.v1.test', { data, headers: { 'x-request-id': 'abc' } }, 2000);
    expect(Buffer.from(reply.data).toString()).toBe('re:hello');
    expect(reply.headers['x-request-id']).toBe('abc');
    // The caller's bytes are still its own (a copy was handed over, not its buffer).
    expect(backing.toString()).toBe('xxhelloxx');
  });

  it('brings typed errors back with their code, details and retry hint', async () => {
    await main.serve('fail.v1.test', 'fail', async () => {
      throw new LookalikeError(ErrorCode.NotFound, 'no such image', { details: { image_id: 'x' } });
    });
    // LocalBus hands a handler's throw to the caller as is; the port carries it as reply headers.
    await expect(
      sut.request('fail.v1.test', { data: Buffer.alloc(0), headers: {} }, 2000),
    ).resolves.toMatchObject({ headers: expect.objectContaining({ 'lk-error-code': ErrorCode.NotFound }) });
    const nobody = await sut.request('nobody.v1.home', { data: Buffer.alloc(0), headers: {} }, 2000);
    expect(nobody.headers).toMatchObject({ 'lk-error-code': ErrorCode.Unavailable, 'lk-retry-after': '1' });
  });

  it('answers a timeout when the serving side does not answer in time', async () => {
    await main.serve('slow.v1.test', 'slow', () => new Promise(() => undefined));
    const reply = await sut.request('slow.v1.test', { data: Buffer.alloc(0), headers: {} }, 100);
    expect(reply.headers['lk-error-code']).toBe(ErrorCode.Timeout);
  });

  it('refuses a request over the payload limit before sending it', async () => {
    await expect(
      sut.request('echo.v1.test', { data: Buffer.alloc(64 * 1024 + 1), headers: {} }, 1000),
    ).rejects.toMatchObject({ code: ErrorCode.PayloadTooLarge });
  });

  it("reads the serving thread's metrics", async () => {
    expect(await sut.peerMetrics()).toEqual([
      { name: 'lookalike_example_total', type: 'counter', values: [] },
    ]);
  });

  it('serves no subjects, and refuses requests once closed', async () => {
    await expect(sut.serve('any.v1.test', 'q', async (m) => m)).rejects.toBeInstanceOf(LookalikeError);
    await sut.close();
    await expect(sut.ping()).rejects.toThrow('closed');
    await expect(
      sut.request('echo.v1.test', { data: Buffer.alloc(0), headers: {} }, 1000),
    ).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
  });
});
