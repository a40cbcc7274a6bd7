import { Injectable } from '@nestjs/common';
import { Subjects, type ImageCheckResponse, type VideoCheckResponse } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';

/** Time left for the reply to travel back after the dedup service's own deadline. */
const REPLY_MARGIN_MS = 100;
/** Queueing an image for anomaly scoring is an in-memory step on the other side. */
const NOTIFY_TIMEOUT_MS = 5000;

/**
 * The incremental half of the quality loop as ingest reaches it: the dedup service's check of an
 * indexed image (its answer is the ingest answer's near-duplicate report, and it saves the groups)
 * and the anomaly service's scoring queue; for videos, the dedup service's video groups.
 */
@Injectable()
export class QualityLoopRepository {
  constructor(private readonly rpc: RpcClient) {}

  /**
   * The dedup service's matches for the image. The service is told how long this caller waits, so
   * it refuses (busy, with a retry hint) a check it could not finish in that time instead of
   * running it after the caller gave up; rejects on busy, failure or no answer in time.
   */
  checkDuplicates(ownerUserId: string, imageId: string, timeoutMs: number): Promise<ImageCheckResponse> {
    const caller = { ownerUserId, userId: ownerUserId };
    const waitMs = Math.max(1, timeoutMs - REPLY_MARGIN_MS);
    return this.rpc.send(Subjects.DedupCheckImage, { caller, imageId, waitMs }, { timeoutMs });
  }

  /** Puts the image on the anomaly service's scoring queue; rejects with busy when that queue is full. */
  async scoreAnomaly(ownerUserId: string, imageId: string): Promise<void> {
    const caller = { ownerUserId, userId: ownerUserId };
    await this.rpc.send(Subjects.AnomalyScoreImage, { caller, imageId }, { timeoutMs: NOTIFY_TIMEOUT_MS });
  }

  /** The dedup service saves the groups an indexed video joins (docs/video.md). */
  checkVideo(ownerUserId: string, videoId: string): Promise<VideoCheckResponse> {
    return this.rpc.send(Subjects.DedupCheckVideo, { caller: { ownerUserId, userId: ownerUserId }, videoId });
  }

  /** A video being deleted leaves its open groups (the others are checked again). */
  forgetVideo(ownerUserId: string, videoId: string): Promise<VideoCheckResponse> {
    return this.rpc.send(Subjects.DedupForgetVideo, {
      caller: { ownerUserId, userId: ownerUserId },
      videoId,
    });
  }
}
