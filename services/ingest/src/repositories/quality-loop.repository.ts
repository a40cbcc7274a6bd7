import { Injectable, Logger } from '@nestjs/common';
import { Subjects } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';

/**
 * The incremental half of the quality loop: once an image is indexed, the dedup service checks
 * it against the collection (groups) and the anomaly service scores it and its neighbours.
 */
@Injectable()
export class QualityLoopRepository {
  private readonly logger = new Logger(QualityLoopRepository.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly rpc: RpcClient) {}

  /**
   * Notifies both services without holding up the ingest answer; a failure is logged, never
   * fatal (the scheduled sweep and recompute jobs catch up on anything missed).
   */
  imageIndexed(ownerUserId: string, imageId: string): void {
    const caller = { ownerUserId, userId: ownerUserId };
    const work = Promise.allSettled([
      this.rpc.send(Subjects.DedupCheckImage, { caller, imageId }),
      this.rpc.send(Subjects.AnomalyScoreImage, { caller, imageId }),
    ]).then((outcomes) => {
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          this.logger.warn({ imageId, err: outcome.reason as unknown }, 'quality loop notification failed');
        }
      }
    });
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Waits for notifications in flight (shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
