import { Injectable } from '@nestjs/common';
import { Caller, ErrorCode, LookalikeError, Subjects } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';
import { ObjectsService } from './objects.service';

export interface StagedObject {
  bucket: string;
  key: string;
}

/**
 * Puts bytes a client sent to the gateway into the object store the way any client would:
 * through a URL presigned by the ingest service. The gateway never holds store credentials. A URL
 * of the local store, which this gateway serves itself, is handed to that route's service in
 * process (the same checks, no HTTP request to itself: about a third of an upload's HTTP work).
 */
@Injectable()
export class ObjectUploader {
  constructor(
    private readonly rpc: RpcClient,
    private readonly objects: ObjectsService,
  ) {}

  async stage(
    caller: Caller,
    file: { buffer: Buffer; originalname: string; mimetype: string; size: number },
    presign: typeof Subjects.IngestPresign | typeof Subjects.IngestVideoPresign = Subjects.IngestPresign,
  ): Promise<StagedObject> {
    const target = await this.rpc.send(presign, {
      caller,
      contentType: file.mimetype,
      filename: file.originalname,
      sizeBytes: file.size,
    });
    const own = target.method === 'PUT' ? this.objects.ownUploadTarget(target.url) : undefined;
    if (own) {
      await this.objects.upload({
        ...own,
        contentType: headerOf(target.headers, 'content-type'),
        contentLength: file.size,
        body: file.buffer,
      });
      return { bucket: target.bucket, key: target.key };
    }
    let response: Response;
    if (target.method === 'POST') {
      const form = new FormData();
      for (const [name, value] of Object.entries(target.fields)) {
        form.append(name, value);
      }
      form.append('file', new Blob([file.buffer]), file.originalname);
      response = await fetch(target.url, { method: 'POST', body: form });
    } else {
      response = await fetch(target.url, { method: 'PUT', headers: target.headers, body: file.buffer });
    }
    if (!response.ok) {
      throw new LookalikeError(
        response.status === 413 ? ErrorCode.PayloadTooLarge : ErrorCode.Unavailable,
        `the object store refused the upload (HTTP ${response.status})`,
      );
    }
    return { bucket: target.bucket, key: target.key };
  }
}

/** A header of a presigned request, whatever the case of its name. */
function headerOf(headers: Record<string, string>, name: string): string | undefined {
  return Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
}
