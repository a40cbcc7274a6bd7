import { ClusterSearchRequest, ErrorCode, type DeepPartialOf } from '@lookalike/contracts';
import { loadConfig } from '@lookalike/config';
import type { RpcClient } from '@lookalike/messaging';
import { MemoryVectorStore } from '@lookalike/vector-store';
import { MODEL, seed, vec } from '../../test/support/search-fixtures';
import { EmbeddingRepository } from '../repositories/embedding.repository';
import { VectorIndexRepository } from '../repositories/vector-index.repository';
import { searchEnvSchema } from '../search.config';
import { ClusterService } from './cluster.service';

const config = loadConfig(searchEnvSchema, {});

const request = (partial: DeepPartialOf<ClusterSearchRequest>) =>
  ClusterSearchRequest.fromPartial({
    caller: { ownerUserId: 'alice', userId: 'alice' },
    limit: 500,
    method: 'agglomerative',
    linkage: 'average',
    threshold: 0.1,
    ...partial,
  });

describe('ClusterService', () => {
  let store: MemoryVectorStore;
  let ids: Map<string, string>;
  let send: jest.Mock;
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
    sut = new ClusterService(
      new VectorIndexRepository(store),
      new EmbeddingRepository({ send } as unknown as RpcClient, config),
    );
  });

  const named = (id: string) => [...ids.entries()].find(([, v]) => v === id)?.[0] ?? `foreign:${id}`;

  it("groups the caller's look-alikes with the medoid as representative and scores to it", async () => {
    const res = await sut.cluster(request({}));
    const clusters = res.clusters.map((c) => ({
      representative: named(c.representative),
      members: c.members.map((m) => named(m.imageId)),
    }));
    expect(clusters).toEqual([
      { representative: 'a1', members: ['a1', expect.any(String), expect.any(String)] },
      { representative: expect.stringMatching(/^b[12]$/), members: expect.arrayContaining(['b1', 'b2']) },
      { representative: 'lone', members: ['lone'] },
    ]);
    expect(clusters[0]!.members.slice(1).sort()).toEqual(['a2', 'a3']);
    const first = res.clusters[0]!;
    expect(first.clusterId).toBe(`c_${ids.get('a1')}`);
    expect(first.members[0]!.score).toBeCloseTo(1, 5);
    expect(first.members[1]!.score).toBeCloseTo(Math.cos(0.1), 4);
    expect(send).not.toHaveBeenCalled();
  });

  it('clusters only the given ids or the filtered images', async () => {
    const byIds = await sut.cluster(request({ imageIds: [ids.get('a1')!, ids.get('b1')!] }));
    expect(byIds.clusters.map((c) => c.members.length)).toEqual([1, 1]);
    const byFilter = await sut.cluster(request({ filter: { tagsAny: ['x', 'y'] } }));
    expect(byFilter.clusters).toHaveLength(1);
    expect(byFilter.clusters[0]!.members).toHaveLength(3);
    const both = await sut.cluster(
      request({ imageIds: [ids.get('a1')!, ids.get('a3')!], filter: { tagsAll: ['x'] } }),
    );
    expect(both.clusters.flatMap((c) => c.members.map((m) => named(m.imageId)))).toEqual(['a1']);
  });

  it('answers a foreign or unknown image id with not_found', async () => {
    const foreign = (await seed(store, 'bob', [{ name: 'secret', vector: vec(3) }])).get('secret')!;
    await expect(sut.cluster(request({ imageIds: [ids.get('a1')!, foreign] }))).rejects.toMatchObject({
      code: ErrorCode.NotFound,
      message: `image ${foreign} was not found`,
    });
  });

  it('refuses limits, linkages, methods and thresholds out of range', async () => {
    for (const bad of [
      { limit: 5001 },
      { limit: 1 },
      { linkage: 'ward' },
      { method: 'kmeans' },
      { threshold: -0.1 },
      { threshold: 2.5 },
    ]) {
      await expect(sut.cluster(request(bad))).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    }
  });

  it('joins everything with single linkage at a wide threshold', async () => {
    const res = await sut.cluster(request({ linkage: 'single', threshold: 1.5 }));
    expect(res.clusters).toHaveLength(1);
    expect(res.clusters[0]!.members).toHaveLength(6);
  });
});
