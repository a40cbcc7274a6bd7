import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { greyFromBytes } from './grey-image';
import { extractLocalFeatures, type LocalFeatures } from './local-features';
import { cvRuntimesHere, type CvRuntime } from './cv-ops';
import { openCv } from './opencv';
import { hammingKnn2, reverseGeometry, verifyPair } from './verify-pair';

const IMAGES = join(__dirname, '../../../../shared/datasets/dev-nearcopies/images');
const cache = new Map<string, Promise<LocalFeatures>>();
const featuresOn = (runtime: CvRuntime, file: string): Promise<LocalFeatures> => {
  const key = `${runtime}:${file}`;
  if (!cache.has(key))
    cache.set(
      key,
      greyFromBytes(readFileSync(join(IMAGES, file))).then((g) =>
        extractLocalFeatures(g, undefined, runtime),
      ),
    );
  return cache.get(key)!;
};

/** Maps a normalised point through a row-major 3x3 homography. */
function apply(h: number[], x: number, y: number): [number, number] {
  const w = h[6]! * x + h[7]! * y + h[8]!;
  return [(h[0]! * x + h[1]! * y + h[2]!) / w, (h[3]! * x + h[4]! * y + h[5]!) / w];
}

describe.each(cvRuntimesHere())(
  'pair verification on dev-nearcopies (%s OpenCV: ORB + RANSAC + tile correlation)',
  (runtime) => {
    jest.setTimeout(60_000);
    const features = (file: string) => featuresOn(runtime, file);

    it('finds the same pixels in a centre crop, and says where', async () => {
      const g = await verifyPair(
        await features('astronaut.jpg'),
        await features('astronaut__crop80.jpg'),
        undefined,
        runtime,
      );
      expect(g).toMatchObject({ verified: true, outcome: 'verified', mirrored: false });
      expect(g.inliers).toBeGreaterThanOrEqual(20);
      // crop80 keeps the middle 80%: the original's centre lands on the copy's centre, its corner
      // (0.1, 0.1) on the copy's corner.
      const [cx, cy] = apply(g.homography!, 0.5, 0.5);
      expect(cx).toBeCloseTo(0.5, 1);
      expect(cy).toBeCloseTo(0.5, 1);
      const [kx, ky] = apply(g.homography!, 0.1, 0.1);
      expect(Math.abs(kx)).toBeLessThan(0.05);
      expect(Math.abs(ky)).toBeLessThan(0.05);
      expect(g.coverage).toBeGreaterThan(0.9);
      expect(g.regionA!.width).toBeLessThan(0.85);
      expect(g.points.length).toBeGreaterThan(0);
      expect(g.tiles.agreeing).toBeGreaterThanOrEqual(0.7 * g.tiles.textured);
    });

    it('reads the same evidence from the other side (reverseGeometry)', async () => {
      const g = await verifyPair(
        await features('astronaut.jpg'),
        await features('astronaut__crop80.jpg'),
        undefined,
        runtime,
      );
      const r = reverseGeometry(g);
      // The copy's centre and corner map back onto the original's centre and (0.1, 0.1).
      const [cx, cy] = apply(r.homography!, 0.5, 0.5);
      expect(cx).toBeCloseTo(0.5, 1);
      expect(cy).toBeCloseTo(0.5, 1);
      const [kx, ky] = apply(r.homography!, 0, 0);
      expect(kx).toBeCloseTo(0.1, 1);
      expect(ky).toBeCloseTo(0.1, 1);
      expect(r.regionA).toEqual(g.regionB);
      expect(r.points[0]).toEqual([g.points[0]![2], g.points[0]![3], g.points[0]![0], g.points[0]![1]]);
      // The crop covers ~64% of the original; the original covers all of the crop.
      expect(r.coverage).toBeGreaterThan(0.5);
      expect(r.coverage).toBeLessThan(0.8);
      expect(r.coverageOfA).toBe(g.coverage);
      const back = reverseGeometry(r).homography!;
      g.homography!.forEach((v, i) => expect(back[i]).toBeCloseTo(v, 6));
    });

    it('finds a mirrored copy through the mirror keypoints, with the homography flipping x', async () => {
      const g = await verifyPair(
        await features('chelsea.jpg'),
        await features('chelsea__hflip.jpg'),
        undefined,
        runtime,
      );
      expect(g).toMatchObject({ verified: true, mirrored: true });
      const [x, y] = apply(g.homography!, 0.2, 0.3);
      expect(x).toBeCloseTo(0.8, 1);
      expect(y).toBeCloseTo(0.3, 1);
    });

    it('finds a quarter-turned copy', async () => {
      const g = await verifyPair(
        await features('rocket.jpg'),
        await features('rocket__rot90.jpg'),
        undefined,
        runtime,
      );
      expect(g.verified).toBe(true);
    });

    it('rejects two different photos', async () => {
      const g = await verifyPair(
        await features('astronaut.jpg'),
        await features('coffee.jpg'),
        undefined,
        runtime,
      );
      expect(g.verified).toBe(false);
      expect(['few_matches', 'few_inliers', 'degenerate', 'photometric']).toContain(g.outcome);
    });

    it('has nothing to match on a flat image', async () => {
      const flat = await features('flat_gray.jpg');
      expect(flat.plain.count).toBeLessThan(6);
      const g = await verifyPair(flat, await features('astronaut.jpg'), undefined, runtime);
      expect(g).toMatchObject({ verified: false, outcome: 'few_keypoints', homography: null });
    });

    it('finds corners in a smooth image by lowering the corner threshold', async () => {
      // cell.jpg gives 15 ORB corners at the default FAST threshold.
      expect((await features('cell.jpg')).plain.count).toBeGreaterThan(125);
    });

    it("finds each descriptor's two nearest as OpenCV's brute-force knnMatch does", async () => {
      const { cv } = await openCv();
      const [a, b] = await Promise.all([features('astronaut.jpg'), features('astronaut__jpeg20.jpg')]);
      const ours = hammingKnn2(a.plain, b.plain);
      const mat = (count: number, bytes: Uint8Array) => {
        const m = new cv.Mat(count, 32, cv.CV_8U);
        m.data.set(bytes.subarray(0, count * 32));
        return m;
      };
      const query = mat(a.plain.count, a.plain.descriptors);
      const train = mat(b.plain.count, b.plain.descriptors);
      const matcher = new cv.BFMatcher(cv.NORM_HAMMING, false);
      const knn = new cv.DMatchVectorVector();
      try {
        matcher.knnMatch(query, train, knn, 2);
        expect(knn.size()).toBe(a.plain.count);
        for (let i = 0; i < knn.size(); i += 1) {
          const pair = knn.get(i);
          const first = pair.get(0) as { trainIdx: number; distance: number };
          const second = pair.get(1) as { distance: number };
          expect([ours[i * 3], ours[i * 3 + 1], ours[i * 3 + 2]]).toEqual([
            first.trainIdx,
            first.distance,
            second.distance,
          ]);
          pair.delete();
        }
      } finally {
        for (const m of [query, train, matcher, knn]) m.delete();
      }
    });

    it('reads descriptors at any byte offset, and has nothing to say against fewer than two', async () => {
      const a = (await features('coffee.jpg')).plain;
      const shifted = new Uint8Array(a.descriptors.length + 1);
      shifted.set(a.descriptors, 1);
      const unaligned = { ...a, descriptors: shifted.subarray(1) };
      expect(hammingKnn2(unaligned, a)).toEqual(hammingKnn2(a, a));
      expect(Array.from(hammingKnn2(a, a).filter((_, k) => k % 3 === 1)).every((d) => d === 0)).toBe(true);
      expect(hammingKnn2(a, { ...a, count: 1 })).toHaveLength(0);
    });
  },
);
