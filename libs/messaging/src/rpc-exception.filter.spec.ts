import { ArgumentsHost, NotFoundException } from '@nestjs/common';
import type { HttpServer } from '@nestjs/common';
import { lastValueFrom } from 'rxjs';
import { LookalikeError } from '@lookalike/contracts';
import { PassThroughRpcFilter } from './rpc-exception.filter';

function host(type: 'rpc' | 'http'): ArgumentsHost {
  const response = {};
  return {
    getType: () => type,
    getArgByIndex: (i: number) => (i === 1 ? response : {}),
    switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({}) }),
  } as unknown as ArgumentsHost;
}

describe('PassThroughRpcFilter', () => {
  it('hands an RPC handler error on unchanged, typed code and all', async () => {
    const error = LookalikeError.notFound('image', 'x');
    const filter = new PassThroughRpcFilter();
    const out = filter.catch(error, host('rpc'));
    await expect(lastValueFrom(out!)).rejects.toBe(error);
  });

  it("leaves an HTTP error to Nest's default handling (the probe server's answers)", () => {
    const reply = jest.fn();
    const adapter = { reply, isHeadersSent: () => false, end: jest.fn() } as unknown as HttpServer;
    const filter = new PassThroughRpcFilter(adapter);
    expect(filter.catch(new NotFoundException('no such route'), host('http'))).toBeUndefined();
    expect(reply).toHaveBeenCalledWith(expect.anything(), expect.objectContaining({ statusCode: 404 }), 404);
  });
});
