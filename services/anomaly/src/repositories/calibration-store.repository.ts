import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  CalibrationEvidenceRepository,
  DATA_SOURCE,
  TenantSettingsRepository,
  type ReviewedScore,
  type SettingsVersion,
} from '@lookalike/persistence';
import type { Weights } from '../domain/anomaly-scoring';

export type WeightsVersion = SettingsVersion<Partial<Weights>>;

/** Weights that learn, in SQL: reviewed images with their components, and the applied weights. */
@Injectable()
export class CalibrationStoreRepository {
  private readonly evidence: CalibrationEvidenceRepository;
  private readonly settings: TenantSettingsRepository;

  constructor(@Inject(DATA_SOURCE) dataSource: DataSource) {
    this.evidence = new CalibrationEvidenceRepository(dataSource);
    this.settings = new TenantSettingsRepository(dataSource);
  }

  current(owner: string): Promise<WeightsVersion | null> {
    return this.settings.current(owner, 'anomaly');
  }

  history(owner: string, limit = 20): Promise<WeightsVersion[]> {
    return this.settings.history(owner, 'anomaly', limit);
  }

  apply(
    owner: string,
    userId: string,
    weights: Weights,
    evidence: Record<string, unknown>,
  ): Promise<WeightsVersion> {
    return this.settings.apply(owner, 'anomaly', userId, weights, evidence);
  }

  undo(owner: string, userId: string): Promise<{ undone: WeightsVersion; current: WeightsVersion | null }> {
    return this.settings.undo(owner, 'anomaly', userId);
  }

  reviewedScores(owner: string): Promise<ReviewedScore[]> {
    return this.evidence.reviewedScores(owner);
  }
}
