import { Inject, Injectable } from '@nestjs/common';
import {
  ErrorCode,
  LookalikeError,
  type SignalThreshold,
  type ThresholdAgreement,
  type ThresholdsApplyRequest,
  type ThresholdsApplyResponse,
  type ThresholdsGetRequest,
  type ThresholdsGetResponse,
  type ThresholdsUndoRequest,
  type ThresholdsUndoResponse,
  requireCaller,
  settingsVersionMessage,
} from '@lookalike/contracts';
import { VERIFY_DEFAULTS } from '@lookalike/local-features';
import type { DecidedPair } from '@lookalike/persistence';
import {
  calibrateDedup,
  CALIBRATED_SIGNALS,
  SIGNAL_SETTING,
  type CalibratedSignal,
  type CalibratedThresholds,
  type DecisionEvidence,
} from '../domain/dedup-calibration';
import { mergeThresholds } from '../domain/dedup-thresholds';
import type { Agreement, ThresholdFit } from '../domain/threshold-fit';
import { CalibrationStoreRepository } from '../repositories/calibration-store.repository';
import { ImageIndexRepository } from '../repositories/image-index.repository';
import { DecisionSignalsService } from './decision-signals.service';
import {
  APPLICABLE_SETTINGS,
  DEDUP_SETTINGS,
  type DedupSettings,
  type ResolvedThresholds,
} from './dedup-settings';

function toAgreement(a: Agreement): ThresholdAgreement {
  return { ...a };
}

function calibrated(t: CalibratedThresholds): CalibratedThresholds {
  return {
    cosineSimilar: t.cosineSimilar,
    cosineNear: t.cosineNear,
    phashMax: t.phashMax,
    minInliers: t.minInliers,
  };
}

interface Report {
  model: string;
  resolved: ResolvedThresholds;
  decided: DecidedPair[];
  backfilled: number;
  fits: Record<CalibratedSignal, ThresholdFit>;
}

function unprocessable(
  reason: 'not_enough_decisions' | 'nothing_to_apply',
  message: string,
  signals: string[],
) {
  return new LookalikeError(ErrorCode.Unprocessable, message, { details: { reason, signals } });
}

/**
 * Thresholds that learn, the dedup side (docs/quality-loop.md): the fit of every signal on the
 * tenant's decisions against the thresholds in force, and an admin's apply and undo. Nothing
 * changes until an admin applies; the gateway checks who is one.
 */
@Injectable()
export class DedupCalibrationService {
  constructor(
    private readonly index: ImageIndexRepository,
    private readonly calibration: CalibrationStoreRepository,
    private readonly signals: DecisionSignalsService,
    @Inject(DEDUP_SETTINGS) private readonly settings: DedupSettings,
  ) {}

  async report(req: ThresholdsGetRequest): Promise<ThresholdsGetResponse> {
    const { ownerUserId } = requireCaller(req.caller);
    const r = await this.fit(ownerUserId);
    const history = await this.calibration.history(ownerUserId);
    const applied = history.find((v) => v.undoneAt === null);
    return {
      model: r.model,
      signals: CALIBRATED_SIGNALS.map((signal): SignalThreshold => {
        const fit = r.fits[signal];
        const setting = SIGNAL_SETTING[signal];
        return {
          signal,
          setting,
          direction: fit.direction,
          current: r.resolved.thresholds[setting],
          source: r.resolved.sources[setting],
          duplicates: fit.duplicates,
          notDuplicates: fit.notDuplicates,
          atCurrent: toAgreement(fit.current),
          suggested: fit.suggested ? toAgreement(fit.suggested) : undefined,
          reason: fit.reason ?? '',
        };
      }),
      decisions: r.decided.length,
      withSignals: r.decided.filter((d) => d.signals !== null).length,
      backfilled: r.backfilled,
      minEach: this.settings.config.DEDUP_CALIBRATION_MIN_EACH,
      applied: applied ? settingsVersionMessage(applied) : undefined,
      history: history.map(settingsVersionMessage),
    };
  }

  /**
   * Applies, as a new version, the suggestions of the named signals (none named: every signal
   * whose suggestion differs from its value in force), or explicit values by setting name. The
   * version carries the settings of the version it replaces, so applying one signal keeps the
   * others as they were.
   */
  async apply(req: ThresholdsApplyRequest): Promise<ThresholdsApplyResponse> {
    const caller = requireCaller(req.caller);
    const values = req.values ?? {};
    const given = Object.keys(values);
    if (given.length > 0 && req.signals.length > 0) {
      throw LookalikeError.invalid('give signals or values, not both');
    }
    const unknownSignals = req.signals.filter((s) => !(CALIBRATED_SIGNALS as readonly string[]).includes(s));
    if (unknownSignals.length > 0) {
      throw LookalikeError.invalid(`signals must be among ${CALIBRATED_SIGNALS.join(', ')}`, {
        signals: unknownSignals,
      });
    }
    const unknownSettings = given.filter((s) => !(APPLICABLE_SETTINGS as readonly string[]).includes(s));
    if (unknownSettings.length > 0) {
      throw LookalikeError.invalid(`values must name settings among ${APPLICABLE_SETTINGS.join(', ')}`, {
        settings: unknownSettings,
      });
    }
    const r = await this.fit(caller.ownerUserId);
    const current = calibrated(r.resolved.thresholds);
    let changes: Partial<CalibratedThresholds>;
    let evidence: Record<string, unknown>;
    if (given.length > 0) {
      changes = values as Partial<CalibratedThresholds>;
      // The same checks as any threshold (cosines in -1..1, integer Hamming, the inliers floor).
      mergeThresholds(r.resolved.thresholds, changes);
      evidence = { source: 'values', from: current, to: changes };
    } else {
      const named = (req.signals.length > 0 ? req.signals : CALIBRATED_SIGNALS) as CalibratedSignal[];
      const lacking = named.filter((s) => !r.fits[s].suggested);
      if (req.signals.length > 0 && lacking.length > 0) {
        throw unprocessable(
          'not_enough_decisions',
          `not enough decisions to suggest ${lacking.join(', ')}`,
          lacking,
        );
      }
      const moving = named.filter(
        (s) => r.fits[s].suggested && r.fits[s].suggested.threshold !== current[SIGNAL_SETTING[s]],
      );
      if (moving.length === 0) {
        if (lacking.length === named.length) {
          throw unprocessable(
            'not_enough_decisions',
            'not enough decisions to suggest any threshold',
            lacking,
          );
        }
        throw unprocessable('nothing_to_apply', 'every suggestion equals the value in force', named);
      }
      changes = Object.fromEntries(moving.map((s) => [SIGNAL_SETTING[s], r.fits[s].suggested!.threshold]));
      evidence = {
        source: 'suggestion',
        model: r.model,
        signals: Object.fromEntries(
          moving.map((s) => [
            s,
            {
              setting: SIGNAL_SETTING[s],
              duplicates: r.fits[s].duplicates,
              notDuplicates: r.fits[s].notDuplicates,
              current: r.fits[s].current,
              suggested: r.fits[s].suggested,
            },
          ]),
        ),
      };
    }
    const before = await this.calibration.current(caller.ownerUserId);
    const version = await this.calibration.apply(
      caller.ownerUserId,
      caller.userId,
      { ...(before?.settings ?? {}), ...changes },
      evidence,
    );
    this.settings.invalidate(caller.ownerUserId);
    return { version: settingsVersionMessage(version) };
  }

  /** Undoes the version in force (conflict when there is none): the one before applies again. */
  async undo(req: ThresholdsUndoRequest): Promise<ThresholdsUndoResponse> {
    const caller = requireCaller(req.caller);
    try {
      const { undone, current } = await this.calibration.undo(caller.ownerUserId, caller.userId);
      return {
        undone: settingsVersionMessage(undone),
        current: current ? settingsVersionMessage(current) : undefined,
      };
    } finally {
      this.settings.invalidate(caller.ownerUserId);
    }
  }

  private async fit(ownerUserId: string): Promise<Report> {
    const model = (await this.index.activeModel(this.settings.config.DEDUP_MODEL)) ?? '';
    const resolved = await this.settings.resolve(model, ownerUserId);
    let decided = await this.calibration.decidedPairs(ownerUserId);
    const backfilled = await this.signals.backfill(ownerUserId, decided);
    if (backfilled > 0) decided = await this.calibration.decidedPairs(ownerUserId);
    const evidence = decided.flatMap((d): DecisionEvidence[] =>
      d.signals
        ? [
            {
              duplicate: d.verdict === 'duplicate',
              // A cosine of another model is on another scale: only the hash and geometry count then.
              cosine: d.signals.model === model ? d.signals.cosine : null,
              hamming: d.signals.hamming,
              inliers: d.signals.inliers,
              verified: d.signals.verified,
            },
          ]
        : [],
    );
    const fits = calibrateDedup(evidence, calibrated(resolved.thresholds), {
      minEach: this.settings.config.DEDUP_CALIBRATION_MIN_EACH,
      inliersFloor: VERIFY_DEFAULTS.minInliers,
      phashCeiling: 32,
    });
    return { model, resolved, decided, backfilled, fits };
  }
}
