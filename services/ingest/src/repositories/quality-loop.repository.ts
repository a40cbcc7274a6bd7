import { Injectable, Logger } from '@nestjs/common';
import { Subjects, type ImageCheckResponse } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';

/**
 * The incremental half of the quality loop: once an image is indexed, the dedup service checks
 * it against the collection (its answer is the ingest answer's near-duplicate report, and it saves
 * the groups) and the anomaly service scores it and its neighbours.
 */
@Injectable()
export class QualityLoopRepository {
  private readonly logger = new Logger(QualityLoopRepository.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly rpc: RpcClient) {}

  /** The dedup service's matches for the image; rejects when it fails or does not answer in time. */
  checkDuplicates(ownerUserId: string, imageId: string, timeoutMs: number): Promise<ImageCheckResponse> {
    const caller = { ownerUserId, userId: ownerUserId };
    return this.rpc.send(Subjects.DedupCheckImage, { caller, imageId }, { timeoutMs });
  }

  /**
   * Notifies the anomaly service without holding up the ingest answer; a failure is logged, never
   * fatal (the scheduled recompute job catches up on anything missed).
   */
  scoreAnomaly(ownerUserId: string, imageId: string): void {
    const caller = { ownerUserId, userId: ownerUserId };
    const work = this.rpc.send(Subjects.AnomalyScoreImage, { caller, imageId }).then(
      () => undefined,
      (err: unknown) => this.logger.warn({ imageId, err }, 'anomaly notification failed'),
    );
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Waits for notifications in flight (shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
