import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  CalibrationEvidenceRepository,
  DATA_SOURCE,
  TenantSettingsRepository,
  type DecidedPair,
  type PairSignals,
  type SettingsVersion,
} from '@lookalike/persistence';
import type { CalibratedThresholds } from '../domain/dedup-calibration';
import type { AppliedThresholds, AppliedThresholdsReader } from '../services/dedup-settings';

export type DedupSettingsVersion = SettingsVersion<Partial<CalibratedThresholds>>;

/**
 * Thresholds that learn, in SQL: reviewers' decisions with the signals captured for them, and the
 * dedup settings a tenant's admin applied (versions with undo and audit).
 */
@Injectable()
export class CalibrationStoreRepository implements AppliedThresholdsReader {
  private readonly evidence: CalibrationEvidenceRepository;
  private readonly settings: TenantSettingsRepository;

  constructor(@Inject(DATA_SOURCE) dataSource: DataSource) {
    this.evidence = new CalibrationEvidenceRepository(dataSource);
    this.settings = new TenantSettingsRepository(dataSource);
  }

  async applied(owner: string): Promise<AppliedThresholds | null> {
    const current = await this.current(owner);
    return current ? { version: current.version, settings: current.settings } : null;
  }

  current(owner: string): Promise<DedupSettingsVersion | null> {
    return this.settings.current(owner, 'dedup');
  }

  history(owner: string, limit = 20): Promise<DedupSettingsVersion[]> {
    return this.settings.history(owner, 'dedup', limit);
  }

  apply(
    owner: string,
    userId: string,
    settings: Partial<CalibratedThresholds>,
    evidence: Record<string, unknown>,
  ): Promise<DedupSettingsVersion> {
    return this.settings.apply(owner, 'dedup', userId, settings, evidence);
  }

  undo(
    owner: string,
    userId: string,
  ): Promise<{ undone: DedupSettingsVersion; current: DedupSettingsVersion | null }> {
    return this.settings.undo(owner, 'dedup', userId);
  }

  decidedPairs(owner: string): Promise<DecidedPair[]> {
    return this.evidence.decidedPairs(owner);
  }

  saveSignals(owner: string, rows: readonly PairSignals[]): Promise<void> {
    return this.evidence.saveSignals(owner, rows);
  }
}
