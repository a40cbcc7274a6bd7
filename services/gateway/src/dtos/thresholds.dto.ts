import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsOptional, ValidateBy } from 'class-validator';
import type {
  SettingsVersion,
  SignalThreshold,
  ThresholdAgreement,
  ThresholdsGetResponse,
  WeightsAgreement,
  WeightsGetResponse,
} from '@lookalike/contracts';

export const SETTINGS_SCOPES = ['dedup', 'anomaly'] as const;
export const CALIBRATED_SIGNALS = ['cosine', 'cosine_near', 'phash', 'inliers'] as const;
const SETTING_NAMES = [
  'cosineSimilar',
  'cosineNear',
  'phashMax',
  'minInliers',
  'dnn',
  'density',
  'ood',
  'quality',
];

const numbersSchema = { type: 'object', additionalProperties: { type: 'number' } } as const;

export class SettingsVersionDto {
  @ApiProperty() version!: number;
  @ApiProperty({ ...numbersSchema, description: 'The settings of this version, by name' })
  settings!: Record<string, number>;
  @ApiProperty({
    ...numbersSchema,
    description: "What was in force before it ({}: the deployment's settings)",
  })
  previous!: Record<string, number>;
  @ApiProperty() applied_by!: string;
  @ApiProperty({ format: 'date-time' }) applied_at!: string;
  @ApiPropertyOptional() undone_by?: string;
  @ApiPropertyOptional({ format: 'date-time' }) undone_at?: string;

  static from(v: SettingsVersion): SettingsVersionDto {
    return {
      version: v.version,
      settings: v.settings,
      previous: v.previous,
      applied_by: v.appliedBy,
      applied_at: v.appliedAt,
      undone_by: v.undoneBy || undefined,
      undone_at: v.undoneAt || undefined,
    };
  }
}

export class ThresholdAgreementDto {
  @ApiProperty() threshold!: number;
  @ApiProperty({ description: 'Decided duplicate and called duplicate at this threshold' }) tp!: number;
  @ApiProperty({ description: 'Decided not duplicate but called duplicate' }) fp!: number;
  @ApiProperty({ description: 'Decided duplicate but not called' }) fn!: number;
  @ApiProperty() tn!: number;
  @ApiProperty() precision!: number;
  @ApiProperty() recall!: number;
  @ApiProperty() f1!: number;
  @ApiProperty({ description: 'Matthews correlation, -1..1: what the fit maximises' }) mcc!: number;

  static from(a: ThresholdAgreement): ThresholdAgreementDto {
    return { ...a };
  }
}

export class SignalThresholdDto {
  @ApiProperty({ enum: CALIBRATED_SIGNALS }) signal!: string;
  @ApiProperty({
    enum: ['cosineSimilar', 'cosineNear', 'phashMax', 'minInliers'],
    description: 'The setting it moves',
  })
  setting!: string;
  @ApiProperty({
    enum: ['at_least', 'at_most'],
    description: 'A pair is called duplicate at or above (below) it',
  })
  direction!: string;
  @ApiProperty({ description: 'The value in force' }) current!: number;
  @ApiProperty({
    enum: ['default', 'env', 'tenant_env', 'applied'],
    description:
      "Where it comes from: the model's default, the environment, DEDUP_TENANT_THRESHOLDS, or an applied version",
  })
  source!: string;
  @ApiProperty({ description: 'Duplicate decisions that carry the signal' }) duplicates!: number;
  @ApiProperty() not_duplicates!: number;
  @ApiProperty({ type: ThresholdAgreementDto }) at_current!: ThresholdAgreementDto;
  @ApiPropertyOptional({ type: ThresholdAgreementDto, description: 'Absent: see reason' })
  suggested?: ThresholdAgreementDto;
  @ApiPropertyOptional({ enum: ['not_enough_decisions'] }) reason?: string;

  static from(s: SignalThreshold): SignalThresholdDto {
    return {
      signal: s.signal,
      setting: s.setting,
      direction: s.direction,
      current: s.current,
      source: s.source,
      duplicates: s.duplicates,
      not_duplicates: s.notDuplicates,
      at_current: ThresholdAgreementDto.from(s.atCurrent!),
      suggested: s.suggested ? ThresholdAgreementDto.from(s.suggested) : undefined,
      reason: s.reason || undefined,
    };
  }
}

export class DedupThresholdsDto {
  @ApiProperty({ description: 'The model whose cosines are calibrated' }) model!: string;
  @ApiProperty({ type: [SignalThresholdDto] }) signals!: SignalThresholdDto[];
  @ApiProperty({ description: 'Duplicate / not-duplicate decisions of your collection' }) decisions!: number;
  @ApiProperty({ description: 'Of which carry their signals' }) with_signals!: number;
  @ApiProperty({ description: 'Signals captured by this read for older decisions' }) backfilled!: number;
  @ApiProperty({ description: 'Decisions of each verdict a signal needs for a suggestion' })
  min_each!: number;
  @ApiPropertyOptional({ type: SettingsVersionDto, description: 'The version in force; absent: none' })
  applied?: SettingsVersionDto;
  @ApiProperty({ type: [SettingsVersionDto], description: 'Applied versions, newest first' })
  history!: SettingsVersionDto[];

  static from(r: ThresholdsGetResponse): DedupThresholdsDto {
    return {
      model: r.model,
      signals: r.signals.map(SignalThresholdDto.from),
      decisions: r.decisions,
      with_signals: r.withSignals,
      backfilled: r.backfilled,
      min_each: r.minEach,
      applied: r.applied ? SettingsVersionDto.from(r.applied) : undefined,
      history: r.history.map(SettingsVersionDto.from),
    };
  }
}

export class WeightsAgreementDto {
  @ApiProperty({ ...numbersSchema, description: 'dnn, density, ood, quality' }) weights!: Record<
    string,
    number
  >;
  @ApiPropertyOptional({
    description: 'ROC-AUC of the combined score on the reviews; absent without both verdicts',
  })
  auc?: number;
  @ApiProperty({ description: 'The combined score cut that gets the most reviews right' }) cut!: number;
  @ApiProperty() tp!: number;
  @ApiProperty() fp!: number;
  @ApiProperty() fn!: number;
  @ApiProperty() tn!: number;

  static from(a: WeightsAgreement): WeightsAgreementDto {
    return { weights: a.weights, auc: a.auc, cut: a.cut, tp: a.tp, fp: a.fp, fn: a.fn, tn: a.tn };
  }
}

export class AnomalyWeightsDto {
  @ApiProperty({ enum: ['default', 'env', 'applied'] }) source!: string;
  @ApiProperty({ description: 'Images whose latest review is anomaly' }) anomalies!: number;
  @ApiProperty({ description: 'Images whose latest review is ok' }) ok!: number;
  @ApiProperty() min_each!: number;
  @ApiProperty({ type: WeightsAgreementDto, description: 'The weights in force and their agreement' })
  current!: WeightsAgreementDto;
  @ApiPropertyOptional({ type: WeightsAgreementDto }) suggested?: WeightsAgreementDto;
  @ApiPropertyOptional({ enum: ['not_enough_decisions'] }) reason?: string;
  @ApiPropertyOptional({ type: SettingsVersionDto }) applied?: SettingsVersionDto;
  @ApiProperty({ type: [SettingsVersionDto] }) history!: SettingsVersionDto[];

  static from(r: WeightsGetResponse): AnomalyWeightsDto {
    return {
      source: r.source,
      anomalies: r.anomalies,
      ok: r.ok,
      min_each: r.minEach,
      current: WeightsAgreementDto.from(r.atCurrent!),
      suggested: r.suggested ? WeightsAgreementDto.from(r.suggested) : undefined,
      reason: r.reason || undefined,
      applied: r.applied ? SettingsVersionDto.from(r.applied) : undefined,
      history: r.history.map(SettingsVersionDto.from),
    };
  }
}

export class QualityThresholdsDto {
  @ApiProperty({ description: 'Whether you may apply and undo (AUTH_ADMIN_USERS)' }) can_apply!: boolean;
  @ApiProperty({ type: DedupThresholdsDto }) dedup!: DedupThresholdsDto;
  @ApiProperty({ type: AnomalyWeightsDto }) anomaly!: AnomalyWeightsDto;
}

export class ApplyThresholdsDto {
  @ApiProperty({ enum: SETTINGS_SCOPES }) @IsIn(SETTINGS_SCOPES) scope!: 'dedup' | 'anomaly';

  @ApiPropertyOptional({
    enum: CALIBRATED_SIGNALS,
    isArray: true,
    description:
      'dedup: the signals whose suggestion to apply; absent: every suggestion that differs from its value',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(4)
  @IsIn(CALIBRATED_SIGNALS, { each: true })
  signals?: string[];

  @ApiPropertyOptional({
    ...numbersSchema,
    description:
      'Explicit values instead of the suggestion: dedup settings (cosineSimilar, cosineNear, phashMax, minInliers) or anomaly weights (dnn, density, ood, quality)',
    example: { phashMax: 12 },
  })
  @IsOptional()
  @IsObject()
  @ValidateBy({
    name: 'settingValues',
    validator: {
      validate: (v: unknown) =>
        typeof v === 'object' &&
        v !== null &&
        Object.entries(v).length <= 8 &&
        Object.entries(v).every(
          ([k, n]) => SETTING_NAMES.includes(k) && typeof n === 'number' && Number.isFinite(n),
        ),
      defaultMessage: () => `values must map setting names (${SETTING_NAMES.join(', ')}) to numbers`,
    },
  })
  values?: Record<string, number>;
}

export class UndoThresholdsDto {
  @ApiProperty({ enum: SETTINGS_SCOPES }) @IsIn(SETTINGS_SCOPES) scope!: 'dedup' | 'anomaly';
}

export class AppliedThresholdsDto {
  @ApiProperty({ enum: SETTINGS_SCOPES }) scope!: string;
  @ApiProperty({ type: SettingsVersionDto }) version!: SettingsVersionDto;
  @ApiPropertyOptional({
    description: 'anomaly: the job that recomputes the stored scores with the new weights',
  })
  recompute_job_id?: string;
}

export class UndoneThresholdsDto {
  @ApiProperty({ enum: SETTINGS_SCOPES }) scope!: string;
  @ApiProperty({ type: SettingsVersionDto }) undone!: SettingsVersionDto;
  @ApiPropertyOptional({
    type: SettingsVersionDto,
    description: "In force now; absent: the deployment's settings",
  })
  current?: SettingsVersionDto;
  @ApiPropertyOptional() recompute_job_id?: string;
}
