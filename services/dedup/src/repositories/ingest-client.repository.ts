import { Injectable } from '@nestjs/common';
import { Subjects, type Caller } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';

/** Ingest owns the bytes, rows and vectors of images and videos: deleting one goes through it. */
@Injectable()
export class IngestClientRepository {
  constructor(private readonly rpc: RpcClient) {}

  async deleteImage(caller: Caller, imageId: string): Promise<void> {
    await this.rpc.send(Subjects.IngestDeleteImage, { caller, imageId });
  }

  /** A video with its frames (their vectors, objects and rows) and its groups' membership. */
  async deleteVideo(caller: Caller, videoId: string): Promise<void> {
    await this.rpc.send(Subjects.IngestDeleteVideo, { caller, videoId });
  }
}
