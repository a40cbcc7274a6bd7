/**
 * What the quality loop costs per upload: images arrive one at a time (the dev-nearcopies images,
 * then synthetic copies of them, shuffled), each is written as ingest writes it, then checked by
 * dedup and scored by anomaly, against LanceDB and PGlite. The vector store is wrapped at the
 * port's edge, so each call is counted. Prints per window of uploads: CPU and wall time of the
 * check and of the scoring, vector-store calls, searches and writes per image.
 *
 * Uploads are handled one after the other and each is scored alone (a pass of one image: the
 * scoring queue's worst case, it coalesces when uploads overlap); the payload scores are flushed
 * every `flushEvery` uploads (3: ANOMALY_PAYLOAD_FLUSH_MS = 2 s at the 1.4 uploads/s the embedded
 * stack ingests), and the flush's writes are counted with the scoring.
 *
 *   node services/dedup/bench/run-ts.cjs services/dedup/bench/upload-stream.ts [images=400] [window] [flushEvery=3]
 */
import { loadConfig } from '@lookalike/config';
import { anomalyEnvSchema } from '../../anomaly/src/anomaly.config';
import { AnomalyStoreRepository } from '../../anomaly/src/repositories/anomaly-store.repository';
import { VectorIndexRepository } from '../../anomaly/src/repositories/vector-index.repository';
import { AnomalyScoringService } from '../../anomaly/src/services/anomaly-scoring.service';
import { ScoreWriterService } from '../../anomaly/src/services/score-writer.service';
import { parseWeights } from '../../anomaly/src/domain/anomaly-scoring';
import { dedupEnvSchema } from '../src/dedup.config';
import { CalibrationStoreRepository } from '../src/repositories/calibration-store.repository';
import { DedupStoreRepository } from '../src/repositories/dedup-store.repository';
import { ImageIndexRepository } from '../src/repositories/image-index.repository';
import type { DedupJobsService } from '../src/services/dedup-jobs.service';
import { DecisionSignalsService } from '../src/services/decision-signals.service';
import { DedupSettings } from '../src/services/dedup-settings';
import { DedupService } from '../src/services/dedup.service';
import {
  countingVectorStore,
  searchesOf,
  writesOf,
  type StoreCall,
} from '../test/support/counting-vector-store';
import { openQualityStores, seedImages, verificationOff } from '../test/support/quality-stores';
import { uploadStream } from '../test/support/upload-stream';

const OWNER = 'stream';

interface Sample {
  cpuMs: number;
  wallMs: number;
  calls: StoreCall[];
}

async function measure(calls: StoreCall[], work: () => Promise<unknown>): Promise<Sample> {
  const from = calls.length;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return {
    cpuMs: (used.user + used.system) / 1000,
    wallMs: performance.now() - started,
    calls: calls.slice(from),
  };
}

function row(label: string, samples: Sample[]): string {
  const n = samples.length || 1;
  const sum = (f: (s: Sample) => number) => samples.reduce((a, s) => a + f(s), 0) / n;
  return [
    label.padEnd(8),
    sum((s) => s.cpuMs)
      .toFixed(0)
      .padStart(6),
    sum((s) => s.wallMs)
      .toFixed(0)
      .padStart(6),
    sum((s) => s.calls.length)
      .toFixed(1)
      .padStart(6),
    sum((s) => searchesOf(s.calls))
      .toFixed(1)
      .padStart(8),
    sum((s) => writesOf(s.calls))
      .toFixed(2)
      .padStart(7),
    sum((s) => s.calls.filter((c) => c.tenantWide).length)
      .toFixed(2)
      .padStart(7),
  ].join(' ');
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 400);
  const window = Number(process.argv[3] ?? Math.max(1, Math.round(count / 4)));
  const images = uploadStream(count);
  // Background maintenance on, as in the services (compaction keeps scans from slowing down).
  const stores = await openQualityStores('pglite', images[0].vector.length, { autoIndex: true });
  const { store, calls } = countingVectorStore(stores.vectors);
  const settings = new DedupSettings(loadConfig(dedupEnvSchema, { DEDUP_SCAN_CRON: 'off' }));
  const dedupIndex = new ImageIndexRepository(store);
  const features = verificationOff(settings.config);
  const dedup = new DedupService(
    dedupIndex,
    new DedupStoreRepository(stores.dataSource),
    {} as DedupJobsService,
    settings,
    features,
    new DecisionSignalsService(
      dedupIndex,
      features,
      new CalibrationStoreRepository(stores.dataSource),
      settings,
    ),
  );
  const anomalyConfig = loadConfig(anomalyEnvSchema, {
    ANOMALY_RECOMPUTE_CRON: 'off',
    // Flushed by the loop below, never by the timer.
    ANOMALY_PAYLOAD_FLUSH_MS: '599000',
    ANOMALY_MAX_LAG_MS: '600000',
  });
  const flushEvery = Number(process.argv[4] ?? 3);
  const anomalyIndex = new VectorIndexRepository(store);
  const writer = new ScoreWriterService(anomalyIndex, anomalyConfig);
  const scoring = new AnomalyScoringService(
    anomalyIndex,
    new AnomalyStoreRepository(stores.dataSource),
    writer,
    anomalyConfig,
    { weightsFor: async () => parseWeights(anomalyConfig.ANOMALY_WEIGHTS) },
  );
  const caller = { ownerUserId: OWNER, userId: OWNER };
  const checks: Sample[] = [];
  const scores: Sample[] = [];
  console.log('window    check: cpu ms  wall  calls  searches  writes  tenant-wide');
  for (const [i, image] of images.entries()) {
    await seedImages({ dataSource: stores.dataSource, vectors: stores.vectors }, OWNER, [image]);
    checks.push(await measure(calls, () => dedup.checkImage({ caller, imageId: image.imageId, waitMs: 0 })));
    scores.push(
      await measure(calls, async () => {
        await scoring.scoreImages(OWNER, [{ imageId: image.imageId, at: Date.now() }]);
        if ((i + 1) % flushEvery === 0) await scoring.settle();
      }),
    );
    if ((i + 1) % window === 0 || i === images.length - 1) {
      const from = Math.floor(i / window) * window;
      console.log(`${from}-${i + 1}`);
      console.log(row('  check', checks.slice(from)));
      console.log(row('  score', scores.slice(from)));
    }
  }
  await stores.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
