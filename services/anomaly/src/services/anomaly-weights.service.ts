import { Inject, Injectable } from '@nestjs/common';
import {
  ErrorCode,
  LookalikeError,
  type WeightsAgreement as WeightsAgreementMessage,
  type WeightsApplyRequest,
  type WeightsApplyResponse,
  type WeightsGetRequest,
  type WeightsGetResponse,
  type WeightsUndoResponse,
  requireCaller,
  settingsVersionMessage,
} from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { JOB_RUNNER, type JobRunner } from '@lookalike/messaging';
import type { AnomalyConfig } from '../anomaly.config';
import { RECOMPUTE_JOB } from '../domain/anomaly-jobs';
import { ANOMALY_METHODS, DEFAULT_WEIGHTS, parseWeights, type Weights } from '../domain/anomaly-scoring';
import { fitWeights, type WeightsAgreement, type WeightsFit } from '../domain/weight-fit';
import {
  CalibrationStoreRepository,
  type WeightsVersion,
} from '../repositories/calibration-store.repository';

/** The weights the combined score of a tenant uses. */
export interface TenantWeights {
  weightsFor(owner: string): Promise<Weights>;
}

function toAgreement(a: WeightsAgreement): WeightsAgreementMessage {
  return {
    weights: { ...a.weights },
    auc: Number.isFinite(a.auc) ? a.auc : undefined,
    cut: Number.isFinite(a.cut.threshold) ? a.cut.threshold : 0,
    tp: a.cut.tp,
    fp: a.cut.fp,
    fn: a.cut.fn,
    tn: a.cut.tn,
  };
}

/** Checks explicit weights: the four components, each >= 0, not all 0. */
export function validWeights(given: Record<string, number>): Weights {
  const unknown = Object.keys(given).filter((k) => !(ANOMALY_METHODS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw LookalikeError.invalid(`weights must name ${ANOMALY_METHODS.join(', ')}`, { weights: unknown });
  }
  const weights = Object.fromEntries(ANOMALY_METHODS.map((m) => [m, given[m] ?? 0])) as Weights;
  if (ANOMALY_METHODS.some((m) => !Number.isFinite(weights[m]) || weights[m] < 0 || weights[m] > 1000)) {
    throw LookalikeError.invalid('each weight must be a number in 0..1000', { weights: given });
  }
  if (ANOMALY_METHODS.every((m) => weights[m] === 0))
    throw LookalikeError.invalid('the weights cannot all be 0');
  return weights;
}

/**
 * Weights that learn (docs/quality-loop.md "Thresholds that learn"): the combined score's weights
 * of a tenant are the version its admin applied, else ANOMALY_WEIGHTS; read at most once per
 * ANOMALY_SETTINGS_CACHE_S per tenant and process. The fit of the weights on the tenant's
 * reviews, and apply and undo, which start a recompute job so the stored scores follow.
 */
@Injectable()
export class AnomalyWeightsService implements TenantWeights {
  private readonly deployment: Weights;
  private readonly cache = new Map<string, { at: number; value: Promise<WeightsVersion | null> }>();

  constructor(
    private readonly calibration: CalibrationStoreRepository,
    @Inject(JOB_RUNNER) private readonly runner: Pick<JobRunner, 'submit'>,
    @Inject(APP_CONFIG) private readonly config: AnomalyConfig,
  ) {
    this.deployment = parseWeights(config.ANOMALY_WEIGHTS);
  }

  async weightsFor(owner: string): Promise<Weights> {
    const applied = await this.applied(owner);
    return applied ? { ...DEFAULT_WEIGHTS, ...applied.settings } : this.deployment;
  }

  async report(req: WeightsGetRequest): Promise<WeightsGetResponse> {
    const { ownerUserId } = requireCaller(req.caller);
    const { fit, applied } = await this.fit(ownerUserId);
    const history = await this.calibration.history(ownerUserId);
    return {
      source: applied ? 'applied' : this.deploymentSource(),
      anomalies: fit.positives,
      ok: fit.negatives,
      minEach: this.config.ANOMALY_CALIBRATION_MIN_EACH,
      atCurrent: toAgreement(fit.current),
      suggested: fit.suggested ? toAgreement(fit.suggested) : undefined,
      reason: fit.reason ?? '',
      applied: applied ? settingsVersionMessage(applied) : undefined,
      history: history.map(settingsVersionMessage),
    };
  }

  /** Applies explicit weights or the suggestion as a new version, and recomputes the scores. */
  async apply(req: WeightsApplyRequest): Promise<WeightsApplyResponse> {
    const caller = requireCaller(req.caller);
    const given = req.weights ?? {};
    let weights: Weights;
    let evidence: Record<string, unknown>;
    if (Object.keys(given).length > 0) {
      weights = validWeights(given);
      evidence = { source: 'values' };
    } else {
      const { fit, current } = await this.fit(caller.ownerUserId);
      if (!fit.suggested) {
        throw new LookalikeError(ErrorCode.Unprocessable, 'not enough reviews to suggest weights', {
          details: { reason: 'not_enough_decisions', anomalies: fit.positives, ok: fit.negatives },
        });
      }
      if (ANOMALY_METHODS.every((m) => Math.abs(fit.suggested!.weights[m] - current[m]) < 1e-9)) {
        throw new LookalikeError(ErrorCode.Unprocessable, 'the suggested weights equal those in force', {
          details: { reason: 'nothing_to_apply' },
        });
      }
      weights = fit.suggested.weights;
      evidence = { source: 'suggestion', current: fit.current, suggested: fit.suggested };
    }
    const version = await this.calibration.apply(caller.ownerUserId, caller.userId, weights, evidence);
    this.cache.delete(caller.ownerUserId);
    return {
      version: settingsVersionMessage(version),
      recomputeJobId: await this.recompute(caller.ownerUserId),
    };
  }

  async undo(req: WeightsGetRequest): Promise<WeightsUndoResponse> {
    const caller = requireCaller(req.caller);
    try {
      const { undone, current } = await this.calibration.undo(caller.ownerUserId, caller.userId);
      return {
        undone: settingsVersionMessage(undone),
        current: current ? settingsVersionMessage(current) : undefined,
        recomputeJobId: await this.recompute(caller.ownerUserId),
      };
    } finally {
      this.cache.delete(caller.ownerUserId);
    }
  }

  private async fit(
    owner: string,
  ): Promise<{ fit: WeightsFit; applied: WeightsVersion | null; current: Weights }> {
    const applied = await this.calibration.current(owner);
    const current = applied ? { ...DEFAULT_WEIGHTS, ...applied.settings } : this.deployment;
    const reviews = (await this.calibration.reviewedScores(owner)).map((r) => ({
      dnn: r.dnn,
      density: r.density,
      ood: r.ood,
      quality: r.quality,
      anomaly: r.verdict === 'anomaly',
    }));
    return {
      fit: fitWeights(reviews, current, { minEach: this.config.ANOMALY_CALIBRATION_MIN_EACH }),
      applied,
      current,
    };
  }

  private deploymentSource(): 'default' | 'env' {
    return ANOMALY_METHODS.every((m) => this.deployment[m] === DEFAULT_WEIGHTS[m]) ? 'default' : 'env';
  }

  private async recompute(owner: string): Promise<string> {
    const job = await this.runner.submit({ ownerUserId: owner, kind: RECOMPUTE_JOB, maxAttempts: 3 });
    return job.jobId;
  }

  private applied(owner: string): Promise<WeightsVersion | null> {
    const ttl = this.config.ANOMALY_SETTINGS_CACHE_S * 1000;
    const cached = this.cache.get(owner);
    if (cached && Date.now() - cached.at < ttl) return cached.value;
    const value = this.calibration.current(owner);
    if (ttl > 0) {
      this.cache.set(owner, { at: Date.now(), value });
      value.catch(() => this.cache.get(owner)?.value === value && this.cache.delete(owner));
    }
    return value;
  }
}
