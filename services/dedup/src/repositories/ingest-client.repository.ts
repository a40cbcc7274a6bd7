import { Injectable } from '@nestjs/common';
import { Subjects, type Caller } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';

/** Ingest owns an image's bytes, rows and vectors: deleting one goes through it. */
@Injectable()
export class IngestClientRepository {
  constructor(private readonly rpc: RpcClient) {}

  async deleteImage(caller: Caller, imageId: string): Promise<void> {
    await this.rpc.send(Subjects.IngestDeleteImage, { caller, imageId });
  }
}
