import { loadConfig } from '@lookalike/config';
import { dedupEnvSchema } from '../dedup.config';
import { DedupSettings, type AppliedThresholds } from './dedup-settings';

describe('DedupSettings', () => {
  let applied: AppliedThresholds | null;
  let reads: number;
  let clock: number;
  const reader = {
    applied: jest.fn(async () => {
      reads += 1;
      return applied;
    }),
  };

  function settings(env: Record<string, string> = {}): DedupSettings {
    return new DedupSettings(loadConfig(dedupEnvSchema, env), reader, () => clock);
  }

  beforeEach(() => {
    applied = null;
    reads = 0;
    clock = 0;
  });

  it('lays the model defaults, the environment, DEDUP_TENANT_THRESHOLDS and the applied version in that order', async () => {
    const s = settings({
      DEDUP_COSINE_SIMILAR: '0.95',
      DEDUP_PHASH_MAX: '8',
      DEDUP_TENANT_THRESHOLDS: JSON.stringify({ alice: { phashMax: 4, cosineNear: 0.85 } }),
    });
    applied = { version: 3, settings: { cosineNear: 0.7, minInliers: 9 } };
    const r = await s.resolve('mobilenet', 'alice');
    expect(r.thresholds).toMatchObject({ cosineSimilar: 0.95, phashMax: 4, cosineNear: 0.7, minInliers: 9 });
    expect(r.sources).toEqual({
      cosineSimilar: 'env',
      phashMax: 'tenant_env',
      cosineNear: 'applied',
      minInliers: 'applied',
    });
    expect(r.version).toBe(3);
    applied = null;
    s.invalidate('alice');
    const bob = await s.resolve('mobilenet', 'bob');
    expect(bob.thresholds).toMatchObject({
      cosineSimilar: 0.95,
      phashMax: 8,
      cosineNear: 0.8,
      minInliers: 6,
    });
    expect(bob.sources).toEqual({
      cosineSimilar: 'env',
      phashMax: 'env',
      cosineNear: 'default',
      minInliers: 'default',
    });
    expect(bob.version).toBeNull();
  });

  it('reads the applied version once per DEDUP_SETTINGS_CACHE_S, and again at once after invalidate', async () => {
    const s = settings({ DEDUP_SETTINGS_CACHE_S: '10' });
    await s.thresholds('mobilenet', 'alice');
    clock = 9_000;
    await s.thresholds('mobilenet', 'alice');
    expect(reads).toBe(1);
    applied = { version: 1, settings: { phashMax: 12 } };
    expect((await s.thresholds('mobilenet', 'alice')).phashMax).toBe(6);
    s.invalidate('alice');
    expect((await s.thresholds('mobilenet', 'alice')).phashMax).toBe(12);
    clock = 30_000;
    await s.thresholds('mobilenet', 'alice');
    expect(reads).toBe(3);
  });

  it('asks again after a failed read instead of keeping the failure', async () => {
    const s = settings();
    reader.applied.mockRejectedValueOnce(new Error('database down'));
    await expect(s.thresholds('mobilenet', 'alice')).rejects.toThrow('database down');
    expect((await s.thresholds('mobilenet', 'alice')).phashMax).toBe(6);
  });

  it('without a reader (tools, benches) uses the deployment settings', async () => {
    const s = new DedupSettings(loadConfig(dedupEnvSchema, {}));
    expect((await s.resolve('clip', 'alice')).thresholds).toMatchObject({
      cosineSimilar: 0.92,
      minInliers: 6,
    });
  });

  it('refuses a minInliers below the verifier minimum in DEDUP_TENANT_THRESHOLDS', () => {
    expect(() => settings({ DEDUP_TENANT_THRESHOLDS: JSON.stringify({ alice: { minInliers: 3 } }) })).toThrow(
      /minInliers/,
    );
  });
});
