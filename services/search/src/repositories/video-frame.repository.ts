import { Injectable } from '@nestjs/common';
import type { VideoFrameRef } from '@lookalike/contracts';
import { ImageRepository } from '@lookalike/persistence';

/**
 * Where hits that are kept frames of a video sit in it (docs/video.md): their rows in SQL carry the
 * video, frame index, time and shot. Asked only for hits whose payload `source` is `video`, so a
 * collection without videos never pays for it.
 */
@Injectable()
export class VideoFrameRepository {
  constructor(private readonly images: ImageRepository) {}

  async framesOf(owner: string, imageIds: readonly string[]): Promise<Map<string, VideoFrameRef>> {
    const found = new Map<string, VideoFrameRef>();
    if (imageIds.length === 0) return found;
    for (const row of await this.images.findByIds(owner, [...imageIds])) {
      if (!row.videoId) continue;
      found.set(row.imageId, {
        videoId: row.videoId,
        frameIndex: row.frameIndex ?? 0,
        tMs: row.tMs ?? 0,
        shotId: row.shotId ?? 0,
      });
    }
    return found;
  }
}
