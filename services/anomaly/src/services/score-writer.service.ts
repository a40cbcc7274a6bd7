import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import type { AnomalyConfig } from '../anomaly.config';
import { payloadLagHistogram, payloadWritesCounter } from '../metrics/anomaly.metrics';
import { groupByPayloadScore, VectorIndexRepository } from '../repositories/vector-index.repository';

interface Staged {
  /** Point id -> the latest score for its payload. */
  scores: Map<string, number>;
  /** Point id -> when the scoring queue took it (new images: their payload lag ends with this write). */
  arrivals: Map<string, number>;
  timer: NodeJS.Timeout;
}

/**
 * The payload half of the ingest-time scores. SQL gets every pass's scores at once (it is what
 * the review queue reads); the vector payload's `anomaly_score` (for `min_anomaly` filters and
 * ordering in the index) is written per tenant at most once per ANOMALY_PAYLOAD_FLUSH_MS: the
 * changes of every pass in that window are merged (a point's latest score wins) and written with
 * one `setPayload` per distinct rounded value (at most 21), so a stream of uploads costs a bounded
 * number of vector-table versions per window instead of several per upload (the passes stage only
 * the points whose rounded score changed). A window lasts at least three times the tenant's last
 * flush, so payload writes take at most about a quarter of the store's write time when it is slow.
 * Flushes of a tenant run one after the other, so an older value never lands after a newer one.
 */
@Injectable()
export class ScoreWriterService implements OnModuleDestroy {
  private readonly logger = new Logger(ScoreWriterService.name);
  private readonly buffers = new Map<string, Staged>();
  private readonly flushing = new Map<string, Promise<void>>();
  /** How long each tenant's last flush took. */
  private readonly lastFlushMs = new Map<string, number>();
  /** The scores a flush under way is writing, per tenant. */
  private readonly writing = new Map<string, ReadonlyMap<string, number>>();
  private readonly lag = payloadLagHistogram();
  private readonly writes = payloadWritesCounter();

  constructor(
    private readonly index: VectorIndexRepository,
    @Inject(APP_CONFIG) private readonly config: AnomalyConfig,
  ) {}

  /** Buffers payload scores of a tenant; the flush comes ANOMALY_PAYLOAD_FLUSH_MS after the window's first change. */
  stage(owner: string, scores: ReadonlyMap<string, number>, arrivals: ReadonlyMap<string, number>): void {
    if (scores.size === 0) return;
    let buffer = this.buffers.get(owner);
    if (!buffer) {
      // The writes take at most about a quarter of the time: a slow store widens the window.
      const window = Math.max(this.config.ANOMALY_PAYLOAD_FLUSH_MS, 3 * (this.lastFlushMs.get(owner) ?? 0));
      const timer = setTimeout(() => void this.flush(owner), window);
      timer.unref();
      buffer = { scores: new Map(), arrivals: new Map(), timer };
      this.buffers.set(owner, buffer);
    }
    for (const [id, score] of scores) buffer.scores.set(id, score);
    for (const [id, at] of arrivals) if (!buffer.arrivals.has(id)) buffer.arrivals.set(id, at);
  }

  /** Writes what the tenant's buffer holds now (after any flush of it still running). */
  flush(owner: string): Promise<void> {
    const buffer = this.buffers.get(owner);
    if (buffer) {
      clearTimeout(buffer.timer);
      this.buffers.delete(owner);
    }
    const previous = this.flushing.get(owner) ?? Promise.resolve();
    const next = previous.then(() => (buffer ? this.write(owner, buffer) : undefined));
    this.flushing.set(owner, next);
    void next.finally(() => {
      if (this.flushing.get(owner) === next) this.flushing.delete(owner);
    });
    return next;
  }

  /** The score a point's payload gets from the writes buffered or under way, if any. */
  latest(owner: string, pointId: string): number | undefined {
    return this.buffers.get(owner)?.scores.get(pointId) ?? this.writing.get(owner)?.get(pointId);
  }

  /** Drops the tenant's buffered scores (a full recompute writes newer ones). */
  discard(owner: string): void {
    const buffer = this.buffers.get(owner);
    if (!buffer) return;
    clearTimeout(buffer.timer);
    this.buffers.delete(owner);
  }

  /** Writes every buffer now (shutdown, tests). */
  async flushAll(): Promise<void> {
    await Promise.all(
      [...new Set([...this.buffers.keys(), ...this.flushing.keys()])].map((o) => this.flush(o)),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.flushAll();
  }

  private async write(owner: string, buffer: Staged): Promise<void> {
    this.writing.set(owner, buffer.scores);
    const started = Date.now();
    try {
      for (const [value, ids] of groupByPayloadScore(buffer.scores)) {
        await this.index.setAnomalyScore(owner, ids, value);
        this.writes.inc();
      }
    } catch (err) {
      // SQL holds the scores; the payload catches up with the next change or the recompute.
      this.logger.warn({ owner, err: String(err) }, 'anomaly payload flush failed');
    } finally {
      this.writing.delete(owner);
    }
    const now = Date.now();
    this.lastFlushMs.set(owner, now - started);
    for (const at of buffer.arrivals.values()) this.lag.observe((now - at) / 1000);
  }
}
