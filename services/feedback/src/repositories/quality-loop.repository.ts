import { Injectable } from '@nestjs/common';
import { Subjects, type Caller } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';

/** The dedup and anomaly services, which own the decisions and reviews feedback feeds. */
@Injectable()
export class QualityLoopRepository {
  constructor(private readonly rpc: RpcClient) {}

  async recordDuplicatePair(caller: Caller, a: string, b: string): Promise<void> {
    await this.rpc.send(Subjects.DedupRecordDecision, { caller, imageA: a, imageB: b, verdict: 'duplicate' });
  }

  async review(
    caller: Caller,
    imageId: string,
    verdict: 'anomaly' | 'duplicate',
    note: string,
  ): Promise<void> {
    await this.rpc.send(Subjects.AnomalyReview, { caller, imageId, verdict, note });
  }
}
