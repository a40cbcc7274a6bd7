import { Inject, Injectable, Logger } from '@nestjs/common';
import { orderedPair, type DecidedPair, type PairSignals } from '@lookalike/persistence';
import { closestHash } from '../domain/phash-variants';
import { CalibrationStoreRepository } from '../repositories/calibration-store.repository';
import { ImageIndexRepository } from '../repositories/image-index.repository';
import { LocalFeaturesRepository } from '../repositories/local-features.repository';
import { DEDUP_SETTINGS, type DedupSettings } from './dedup-settings';

/** Older decisions without signals captured by one read of the thresholds report, at most. */
export const BACKFILL_MAX = 500;

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += a[i] * b[i];
  return s;
}

/**
 * The signals of decided pairs as they are when the reviewer decides (docs/quality-loop.md
 * "Thresholds that learn"): the cosine of the active model's global vectors, the smallest pHash
 * Hamming distance over the hash and its mirrored/turned variants (as the fit reads it), and the
 * stored geometric verification. A confirmed duplicate is deleted after the undo window, its
 * vector and verification with it, so they are kept in `decision_signals`.
 */
@Injectable()
export class DecisionSignalsService {
  private readonly logger = new Logger(DecisionSignalsService.name);

  constructor(
    private readonly index: ImageIndexRepository,
    private readonly features: LocalFeaturesRepository,
    private readonly calibration: CalibrationStoreRepository,
    @Inject(DEDUP_SETTINGS) private readonly settings: DedupSettings,
  ) {}

  /** The signals of these pairs now; a pair with an image no longer indexed is left out. */
  async measure(owner: string, pairs: ReadonlyArray<readonly [string, string]>): Promise<PairSignals[]> {
    const ordered = [
      ...new Map(
        pairs
          .filter(([a, b]) => a !== b)
          .map(([a, b]) => orderedPair(a, b))
          .map((p) => [p.join(':'), p]),
      ).values(),
    ];
    if (ordered.length === 0) return [];
    const model = await this.index.activeModel(this.settings.config.DEDUP_MODEL);
    const found = await this.index.findImages(owner, ordered.flat(), model);
    const present = ordered.filter(([a, b]) => found.has(a) && found.has(b));
    const verdicts = this.features.enabled ? await this.features.storedVerdicts(owner, present) : new Map();
    return present.map(([a, b]) => {
      const x = found.get(a)!;
      const y = found.get(b)!;
      const verdict = verdicts.get(`${a}:${b}`) as { verified: boolean; inliers: number } | undefined;
      return {
        imageA: a,
        imageB: b,
        model: model ?? '',
        cosine: x.vector && y.vector ? dot(x.vector, y.vector) : null,
        hamming:
          x.image.phash && y.image.phash ? closestHash(x.image.phash, y.image.phash, true).hamming : null,
        inliers: verdict ? verdict.inliers : null,
        verified: verdict ? verdict.verified : null,
      };
    });
  }

  /**
   * Stores the signals of pairs just decided. Best effort: the decision is stored already, and a
   * pair whose capture failed is measured again by the next report while its images remain.
   */
  async capture(owner: string, pairs: ReadonlyArray<readonly [string, string]>): Promise<number> {
    try {
      const rows = await this.measure(owner, pairs);
      await this.calibration.saveSignals(owner, rows);
      return rows.length;
    } catch (error) {
      this.logger.warn({ owner, pairs: pairs.length, err: String(error) }, 'decision signals not captured');
      return 0;
    }
  }

  /**
   * Measures decisions that have no signals yet (made before capture existed, or whose capture
   * failed) while both images are still indexed, at most BACKFILL_MAX per call.
   */
  async backfill(owner: string, decided: readonly DecidedPair[]): Promise<number> {
    const missing = decided.filter((d) => d.signals === null).slice(0, BACKFILL_MAX);
    if (missing.length === 0) return 0;
    const rows = await this.measure(
      owner,
      missing.map((d) => [d.imageA, d.imageB] as const),
    );
    await this.calibration.saveSignals(owner, rows);
    return rows.length;
  }
}
