import {
  ClusterSearchRequest,
  ClusterSearchResponse,
  ErrorCode,
  LookalikeError,
  type DeepPartialOf,
} from '@lookalike/contracts';
import { loadConfig } from '@lookalike/config';
import {
  InProcessJobQueue,
  JobRunner,
  type JobRecord,
  type JobStore,
  type NewJobInput,
  type RpcClient,
} from '@lookalike/messaging';
import { MemoryVectorStore, pointIdFor } from '@lookalike/vector-store';
import { MODEL, seed, sha256Of, vec } from '../../test/support/search-fixtures';
import { EmbeddingRepository } from '../repositories/embedding.repository';
import { VectorIndexRepository } from '../repositories/vector-index.repository';
import { searchEnvSchema } from '../search.config';
import { ClusterService } from './cluster.service';

const config = loadConfig(searchEnvSchema, { SEARCH_CLUSTER_INLINE_MAX: '3' });

type Row = JobRecord & { result?: Record<string, unknown>; error?: string };

/** The job rows in memory (the port the SQL JobRepository implements); payloads go through JSON like jsonb. */
class MemoryJobStore implements JobStore {
  readonly rows = new Map<string, Row>();

  create(input: NewJobInput): Promise<{ job: JobRecord; created: boolean }> {
    const job: Row = {
      jobId: `job-${this.rows.size + 1}`,
      ownerUserId: input.ownerUserId,
      kind: input.kind,
      state: 'queued',
      payload: JSON.parse(JSON.stringify(input.payload ?? {})) as Record<string, unknown>,
      done: 0,
      total: input.total ?? 0,
      attempts: 0,
      maxAttempts: input.maxAttempts ?? 3,
      leaseOwner: null,
      leaseExpiresAt: null,
    };
    this.rows.set(job.jobId, job);
    return Promise.resolve({ job: { ...job }, created: true });
  }

  get(ownerUserId: string, jobId: string): Promise<JobRecord | null> {
    const row = this.rows.get(jobId);
    return Promise.resolve(row && row.ownerUserId === ownerUserId ? { ...row } : null);
  }

  claim(request: { workerId: string; kinds?: string[]; leaseSeconds: number }): Promise<JobRecord | null> {
    const row = [...this.rows.values()].find(
      (r) => r.state === 'queued' && (!request.kinds || request.kinds.includes(r.kind)),
    );
    if (!row) return Promise.resolve(null);
    Object.assign(row, {
      state: 'running',
      leaseOwner: request.workerId,
      leaseExpiresAt: new Date(Date.now() + request.leaseSeconds * 1000),
      attempts: row.attempts + 1,
    });
    return Promise.resolve({ ...row });
  }

  progress(jobId: string, workerId: string, p: { done?: number; total?: number }): Promise<JobRecord> {
    const row = this.held(jobId, workerId);
    if (p.done !== undefined) row.done = p.done;
    if (p.total !== undefined) row.total = p.total;
    return Promise.resolve({ ...row });
  }

  complete(jobId: string, workerId: string, result: Record<string, unknown> = {}): Promise<JobRecord> {
    const row = this.held(jobId, workerId);
    Object.assign(row, { state: 'succeeded', leaseOwner: null, result: JSON.parse(JSON.stringify(result)) });
    return Promise.resolve({ ...row });
  }

  fail(jobId: string, workerId: string, error: string): Promise<JobRecord> {
    const row = this.held(jobId, workerId);
    Object.assign(row, { state: 'failed', leaseOwner: null, error });
    return Promise.resolve({ ...row });
  }

  private held(jobId: string, workerId: string): Row {
    const row = this.rows.get(jobId);
    if (!row || row.state !== 'running' || row.leaseOwner !== workerId) {
      throw new LookalikeError(ErrorCode.Conflict, `job ${jobId} is not held by ${workerId}`);
    }
    return row;
  }
}

const request = (partial: DeepPartialOf<ClusterSearchRequest>) =>
  ClusterSearchRequest.fromPartial({
    caller: { ownerUserId: 'alice', userId: 'alice' },
    limit: 500,
    method: 'agglomerative',
    linkage: 'average',
    threshold: 0.1,
    ...partial,
  });

/** The inline answer as the REST API shows it, after the trip through the transport's codec. */
const asRest = (res: ClusterSearchResponse) =>
  ClusterSearchResponse.decode(ClusterSearchResponse.encode(res).finish()).clusters.map((c) => ({
    cluster_id: c.clusterId,
    representative: c.representative,
    members: c.members.map((m) => ({ image_id: m.imageId, score: m.score })),
  }));

describe('ClusterService', () => {
  let store: MemoryVectorStore;
  let ids: Map<string, string>;
  let send: jest.Mock;
  let jobs: MemoryJobStore;
  let runner: JobRunner;
  let sut: ClusterService;

  beforeEach(async () => {
    store = new MemoryVectorStore();
    await store.ensureCollection({ models: [MODEL] });
    ids = await seed(store, 'alice', [
      { name: 'a1', vector: vec(0), tags: ['x'] },
      { name: 'a2', vector: vec(0, 0.1), tags: ['x'] },
      { name: 'a3', vector: vec(0, -0.1, 1), tags: ['y'] },
      { name: 'b1', vector: vec(4) },
      { name: 'b2', vector: vec(4, 0.05) },
      { name: 'lone', vector: vec(2) },
    ]);
    await seed(store, 'bob', [{ name: 'a-twin', vector: vec(0, 0.01) }]);
    send = jest.fn();
    jobs = new MemoryJobStore();
    runner = new JobRunner(new InProcessJobQueue(), jobs, {
      workerId: 'search-test',
      sweepIntervalMs: 60_000,
    });
    sut = new ClusterService(
      new VectorIndexRepository(store),
      new EmbeddingRepository({ send } as unknown as RpcClient, config),
      runner,
      config,
    );
    sut.onModuleInit();
  });

  afterEach(() => runner.stop());

  const named = (id: string) => [...ids.entries()].find(([, v]) => v === id)?.[0] ?? `foreign:${id}`;
  const some = (...names: string[]) => names.map((n) => ids.get(n)!);

  /** Runs the queued jobs and returns the row once it is finished. */
  async function finished(jobId: string): Promise<Row> {
    await runner.start();
    for (let i = 0; i < 200; i += 1) {
      const row = jobs.rows.get(jobId)!;
      if (row.state === 'succeeded' || row.state === 'failed') return row;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`job ${jobId} did not finish`);
  }

  it("groups the caller's look-alikes with the medoid as representative and scores to it", async () => {
    const res = await sut.cluster(request({ imageIds: some('a1', 'a2', 'a3') }));
    expect(res.jobId).toBe('');
    const clusters = res.clusters.map((c) => ({
      representative: named(c.representative),
      members: c.members.map((m) => named(m.imageId)),
    }));
    expect(clusters).toEqual([
      { representative: 'a1', members: ['a1', expect.any(String), expect.any(String)] },
    ]);
    expect(clusters[0]!.members.slice(1).sort()).toEqual(['a2', 'a3']);
    const first = res.clusters[0]!;
    expect(first.clusterId).toBe(`c_${ids.get('a1')}`);
    expect(first.members[0]!.score).toBeCloseTo(1, 5);
    expect(first.members[1]!.score).toBeCloseTo(Math.cos(0.1), 4);
    expect(send).not.toHaveBeenCalled();
  });

  it('clusters only the given ids or the filtered images', async () => {
    const byIds = await sut.cluster(request({ imageIds: some('a1', 'b1') }));
    expect(byIds.clusters.map((c) => c.members.length)).toEqual([1, 1]);
    const byFilter = await sut.cluster(request({ filter: { tagsAny: ['x', 'y'] }, limit: 3 }));
    expect(byFilter.clusters).toHaveLength(1);
    expect(byFilter.clusters[0]!.members).toHaveLength(3);
    const both = await sut.cluster(request({ imageIds: some('a1', 'a3'), filter: { tagsAll: ['x'] } }));
    expect(both.clusters.flatMap((c) => c.members.map((m) => named(m.imageId)))).toEqual(['a1']);
  });

  it('answers a foreign or unknown image id with not_found, inline and before submitting a job', async () => {
    const foreign = (await seed(store, 'bob', [{ name: 'secret', vector: vec(3) }])).get('secret')!;
    for (const imageIds of [
      [ids.get('a1')!, foreign],
      [...some('a1', 'a2', 'a3', 'b1'), foreign],
    ]) {
      await expect(sut.cluster(request({ imageIds }))).rejects.toMatchObject({
        code: ErrorCode.NotFound,
        message: `image ${foreign} was not found`,
      });
    }
    await expect(sut.cluster(request({ imageIds: [foreign], async: true }))).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    expect(jobs.rows.size).toBe(0);
  });

  it('refuses limits, linkages, methods and thresholds out of range, whatever the size', async () => {
    for (const bad of [
      { limit: 5001 },
      { limit: 1 },
      { linkage: 'ward' },
      { method: 'kmeans' },
      { threshold: -0.1 },
      { threshold: 2.5 },
      { imageIds: some('a1', 'a2', 'a3'), limit: 2 },
    ]) {
      for (const async of [false, true]) {
        await expect(sut.cluster(request({ ...bad, async }))).rejects.toMatchObject({
          code: ErrorCode.InvalidArgument,
        });
      }
    }
    expect(jobs.rows.size).toBe(0);
  });

  it('joins everything with single linkage at a wide threshold', async () => {
    const res = await sut.cluster(request({ linkage: 'single', threshold: 1.5, async: true }));
    const row = await finished(res.jobId);
    const result = row.result as { clusters: { members: unknown[] }[] };
    expect(result.clusters).toHaveLength(1);
    expect(result.clusters[0]!.members).toHaveLength(6);
  });

  it('answers up to SEARCH_CLUSTER_INLINE_MAX points inline and submits more as a cluster job', async () => {
    const inline = await sut.cluster(request({ imageIds: some('a1', 'a2', 'a3') }));
    expect(inline).toMatchObject({ jobId: '', clusters: [expect.anything()] });
    const filterInline = await sut.cluster(request({ limit: 3 }));
    expect(filterInline.jobId).toBe('');

    const byIds = await sut.cluster(request({ imageIds: some('a1', 'a2', 'a3', 'b1'), threshold: 0.5 }));
    expect(byIds.clusters).toEqual([]);
    expect(jobs.rows.get(byIds.jobId)).toMatchObject({
      ownerUserId: 'alice',
      kind: 'cluster',
      state: 'queued',
      total: 4,
      payload: {
        imageIds: some('a1', 'a2', 'a3', 'b1'),
        limit: 500,
        linkage: 'average',
        threshold: 0.5,
        vectorName: 'clip_global',
      },
    });
    // A filter request counts `limit` points, however few images match.
    const byFilter = await sut.cluster(request({ filter: { tagsAny: ['x'] }, limit: 4 }));
    expect(jobs.rows.get(byFilter.jobId)).toMatchObject({
      total: 4,
      payload: { imageIds: [], limit: 4, filter: { tagsAny: ['x'] } },
    });
  });

  it('runs a request with async as a job however small', async () => {
    const res = await sut.cluster(request({ imageIds: some('a1', 'a2'), async: true }));
    expect(res.jobId).not.toBe('');
    expect(jobs.rows.get(res.jobId)?.kind).toBe('cluster');
  });

  it('completes the job with the clusters the inline answer gives, in the REST shape', async () => {
    for (const partial of [
      { imageIds: some('a1', 'a2', 'a3') },
      // Neither is on an axis: the score is no float32 unless the job rounds it like the proto does.
      { imageIds: some('a2', 'a3'), threshold: 0.5 },
      { limit: 3 },
      { imageIds: some('a1', 'a3', 'b1'), filter: { tagsAny: ['x', 'y'] } },
      { limit: 3, filter: { tagsAny: ['x', 'y'] }, linkage: 'complete', threshold: 0.3 },
    ]) {
      const inline = await sut.cluster(request(partial));
      expect(inline.jobId).toBe('');
      const job = await sut.cluster(request({ ...partial, async: true }));
      const row = await finished(job.jobId);
      expect({ partial, state: row.state, result: row.result }).toEqual({
        partial,
        state: 'succeeded',
        result: { clusters: asRest(inline) },
      });
    }
  });

  it('reports the points read as progress, down to what a filter matched', async () => {
    const res = await sut.cluster(request({ filter: { tagsAny: ['x'] }, limit: 50 }));
    expect(jobs.rows.get(res.jobId)).toMatchObject({ done: 0, total: 50 });
    expect(await finished(res.jobId)).toMatchObject({ state: 'succeeded', done: 2, total: 2 });
  });

  it('recomputes on a replay and leaves out images deleted after the job was accepted', async () => {
    const res = await sut.cluster(request({ imageIds: some('a1', 'a2', 'b1', 'b2'), threshold: 0.2 }));
    const first = await finished(res.jobId);
    const again = await sut.runJob({
      job: { ...first, state: 'running' },
      signal: new AbortController().signal,
      progress: () => Promise.resolve(),
    });
    expect(again).toEqual(first.result);

    await store.delete('alice', [pointIdFor('alice', sha256Of('alice/a2'))]);
    const later = await sut.runJob({
      job: { ...first, state: 'running' },
      signal: new AbortController().signal,
      progress: () => Promise.resolve(),
    });
    const members = (later as { clusters: { members: { image_id: string }[] }[] }).clusters.flatMap((c) =>
      c.members.map((m) => named(m.image_id)),
    );
    expect(members.sort()).toEqual(['a1', 'b1', 'b2']);
  });

  it('fails a job whose payload is malformed for good', async () => {
    const { job } = await jobs.create({
      ownerUserId: 'alice',
      kind: 'cluster',
      payload: { linkage: 'ward' },
    });
    const row = await finished(job.jobId);
    expect(row).toMatchObject({ state: 'failed', error: 'the cluster job payload is malformed' });
  });
});
