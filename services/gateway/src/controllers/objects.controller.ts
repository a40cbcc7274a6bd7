import { Controller, Get, HttpCode, Put, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { LookalikeError } from '@lookalike/contracts';
import { Public } from '../auth/caller';
import { objectKeyOfPath, ObjectsService } from '../services/objects.service';

const PREFIX = '/api/objects/';

/** `<prefix>/a/b%20c.jpg` -> `a/b c.jpg`; the signer checks the key's alphabet afterwards. */
function keyOf(request: Request): string {
  const path = request.path;
  if (!path.startsWith(PREFIX)) throw LookalikeError.notFound('object', path);
  return objectKeyOfPath(path.slice(PREFIX.length));
}

/**
 * The one byte range a `Range` header asks for (Express's parser), `null` when it cannot be
 * satisfied (416), undefined for the whole object: no header, a malformed one, another unit, or
 * several ranges (answered whole, as RFC 9110 allows).
 */
function byteRange(request: Request, size: number): { start: number; end: number } | null | undefined {
  if (!request.headers.range) return undefined;
  const ranges = request.range(size, { combine: true });
  if (ranges === -1) return null;
  if (ranges === undefined || ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1)
    return undefined;
  return { start: ranges[0]!.start, end: ranges[0]!.end };
}

/** Signed object URLs of the local store (presigned upload and download); no bearer token. */
@ApiExcludeController()
@Public()
@Controller('objects')
export class ObjectsController {
  constructor(private readonly objects: ObjectsService) {}

  @Get('*key')
  async download(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const object = await this.objects.download(
      keyOf(request),
      request.query as Record<string, string>,
      (size) => byteRange(request, size),
    );
    // The stored type (decided from the bytes at ingest), never a guess from the name.
    response.setHeader('Content-Type', object.contentType);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('ETag', `"${object.etag}"`);
    response.setHeader('Cache-Control', 'private, max-age=300');
    response.setHeader('Accept-Ranges', 'bytes');
    if (object.contentDisposition) response.setHeader('Content-Disposition', object.contentDisposition);
    if (object.unsatisfiable) {
      response.status(416).setHeader('Content-Range', `bytes */${object.size}`);
      return new StreamableFile(object.stream, { length: 0 });
    }
    if (object.range) {
      const { start, end } = object.range;
      response.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${object.size}`);
      return new StreamableFile(object.stream, { length: end - start + 1 });
    }
    return new StreamableFile(object.stream, { length: object.size });
  }

  @Put('*key')
  @HttpCode(200)
  async upload(@Req() request: Request): Promise<{ key: string; size: number; etag: string }> {
    const length = request.headers['content-length'];
    const result = await this.objects.upload({
      key: keyOf(request),
      query: request.query as Record<string, string>,
      contentType: request.headers['content-type'],
      contentLength: length === undefined ? undefined : Number(length),
      body: request,
    });
    return { key: result.key, size: result.size, etag: result.etag };
  }
}
