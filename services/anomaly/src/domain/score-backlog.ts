/** An image waiting for its anomaly score, with the time (epoch ms) the scoring queue took it. */
export interface PendingImage {
  imageId: string;
  at: number;
}

/** Images of one tenant handed to the scorer together. */
export interface ScoreBatch {
  owner: string;
  images: PendingImage[];
}

export interface BacklogOptions {
  /** Images waiting (queued or being scored) in this process before any more are refused. */
  maxImages: number;
  /** How far behind a tenant's scores may fall before its new images are refused. */
  maxLagMs: number;
  /** Images per batch; a larger backlog is handed out in several. */
  batchMax: number;
  /**
   * How long a tenant's first waiting image may wait for others to join its batch (0: handed out at
   * once). A full batch goes at once. Each batch is a job with its bookkeeping (about ten SQL
   * statements), so under a stream of uploads gathering turns one job per image into one per
   * interval.
   */
  gatherMs?: number;
}

/** Why an image was refused, and how long to wait before sending it again. */
export interface Refusal {
  scope: 'process' | 'tenant';
  retryAfterMs: number;
}

interface InFlight {
  /** When it was handed out. */
  since: number;
  images: PendingImage[];
}

/**
 * The images waiting for anomaly scoring in this process, per tenant, and the batches handed to
 * the scorer. A tenant has one batch in flight; what arrives meanwhile waits and is scored with
 * the next batch in one pass (overlapping neighbourhoods once, writes once), so batches grow with
 * the load instead of the passes piling up. The next batch is held back at most half the lag
 * bound: after that it is handed out even with one in flight (a slow pass, or one that runs in
 * another process). With `gatherMs`, an idle tenant's batch also waits that long for company. It is
 * bounded twice: by the number of images waiting in the process, and by
 * the age of a tenant's oldest unscored image; past either, new images are refused (the caller
 * backs off) rather than queued without bound.
 */
export class ScoreBacklog {
  private readonly pending = new Map<string, Map<string, number>>();
  private readonly inFlight = new Map<string, InFlight[]>();

  constructor(private readonly options: BacklogOptions) {}

  /** Queues an image, or says why not. An image already waiting keeps its first arrival time. */
  add(owner: string, imageId: string, now: number): Refusal | null {
    const mine = this.pending.get(owner);
    if (mine?.has(imageId)) return null;
    const waiting = this.size();
    if (waiting.pending + waiting.inFlight >= this.options.maxImages) {
      return { scope: 'process', retryAfterMs: this.options.maxLagMs / 2 };
    }
    const lag = this.lagMs(now, owner);
    if (lag > this.options.maxLagMs) {
      return { scope: 'tenant', retryAfterMs: Math.max(250, this.options.maxLagMs / 2) };
    }
    if (mine) mine.set(imageId, now);
    else this.pending.set(owner, new Map([[imageId, now]]));
    return null;
  }

  /**
   * The batches to hand out now: every tenant with no batch in flight whose images waited
   * `gatherMs` or fill a batch, and those whose oldest waiting image has waited half the lag bound;
   * each is in flight until `done`.
   */
  take(now: number): ScoreBatch[] {
    const out: ScoreBatch[] = [];
    for (const [owner, images] of this.pending) {
      const busy = (this.inFlight.get(owner)?.length ?? 0) > 0;
      let oldest = Infinity;
      for (const at of images.values()) oldest = Math.min(oldest, at);
      const waited = now - oldest;
      if (busy && waited < this.options.maxLagMs / 2) continue;
      if (!busy && waited < (this.options.gatherMs ?? 0) && images.size < this.options.batchMax) continue;
      const all = [...images].map(([imageId, at]) => ({ imageId, at })).sort((a, b) => a.at - b.at);
      this.pending.delete(owner);
      for (let i = 0; i < all.length; i += this.options.batchMax) {
        const batch = { owner, images: all.slice(i, i + this.options.batchMax) };
        const flights = this.inFlight.get(owner) ?? [];
        flights.push({ since: now, images: batch.images });
        this.inFlight.set(owner, flights);
        out.push(batch);
      }
    }
    return out;
  }

  /** The batch was scored (or given up on): its images no longer wait. */
  done(batch: ScoreBatch): void {
    const flights = this.inFlight.get(batch.owner);
    if (!flights) return;
    const at = flights.findIndex((f) => f.images === batch.images);
    if (at >= 0) flights.splice(at, 1);
    if (flights.length === 0) this.inFlight.delete(batch.owner);
  }

  /** The batch could not be handed out: its images wait again (keeping their arrival time). */
  requeue(batch: ScoreBatch): void {
    this.done(batch);
    const mine = this.pending.get(batch.owner) ?? new Map<string, number>();
    for (const im of batch.images) if (!mine.has(im.imageId)) mine.set(im.imageId, im.at);
    this.pending.set(batch.owner, mine);
  }

  /** Batches in flight since before `before` (to ask whether they finished elsewhere). */
  stale(before: number): ScoreBatch[] {
    const out: ScoreBatch[] = [];
    for (const [owner, flights] of this.inFlight) {
      for (const f of flights) if (f.since < before) out.push({ owner, images: f.images });
    }
    return out;
  }

  size(): { pending: number; inFlight: number } {
    let pending = 0;
    let inFlight = 0;
    for (const images of this.pending.values()) pending += images.size;
    for (const flights of this.inFlight.values()) for (const f of flights) inFlight += f.images.length;
    return { pending, inFlight };
  }

  /** How long the oldest image not yet scored has waited, in the tenant or the whole process. */
  lagMs(now: number, owner?: string): number {
    let oldest = Infinity;
    const owners =
      owner === undefined ? [...new Set([...this.pending.keys(), ...this.inFlight.keys()])] : [owner];
    for (const o of owners) {
      for (const at of this.pending.get(o)?.values() ?? []) oldest = Math.min(oldest, at);
      for (const f of this.inFlight.get(o) ?? []) for (const im of f.images) oldest = Math.min(oldest, im.at);
    }
    return oldest === Infinity ? 0 : Math.max(0, now - oldest);
  }
}
