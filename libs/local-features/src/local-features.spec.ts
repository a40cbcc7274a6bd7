import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cvRuntimesHere } from './cv-ops';
import { greyFromBytes } from './grey-image';
import {
  extractLocalFeatures,
  type GreyImage,
  type KeypointSet,
  ORB_DESCRIPTOR_BYTES,
} from './local-features';

const IMAGES = join(__dirname, '../../../../shared/datasets/dev-nearcopies/images');

function flipped(grey: GreyImage): GreyImage {
  const data = new Uint8Array(grey.data.length);
  for (let y = 0; y < grey.height; y += 1) {
    for (let x = 0; x < grey.width; x += 1) {
      data[y * grey.width + x] = grey.data[y * grey.width + grey.width - 1 - x]!;
    }
  }
  return { width: grey.width, height: grey.height, data };
}

function hamming(a: KeypointSet, i: number, b: KeypointSet, j: number): number {
  let bits = 0;
  for (let k = 0; k < ORB_DESCRIPTOR_BYTES; k += 1) {
    let x = a.descriptors[i * ORB_DESCRIPTOR_BYTES + k]! ^ b.descriptors[j * ORB_DESCRIPTOR_BYTES + k]!;
    for (; x; x &= x - 1) bits += 1;
  }
  return bits;
}

describe.each(cvRuntimesHere())(
  'extractLocalFeatures on %s OpenCV: the mirror set described at the mirrored keypoints',
  (runtime) => {
    jest.setTimeout(60_000);

    it.each(['astronaut.jpg', 'coffee.jpg', 'chelsea.jpg'])(
      'matches what ORB finds in the flipped image itself (%s)',
      async (file) => {
        const grey = await greyFromBytes(readFileSync(join(IMAGES, file)));
        const [features, ofFlipped] = await Promise.all([
          extractLocalFeatures(grey, undefined, runtime),
          extractLocalFeatures(flipped(grey), undefined, runtime),
        ]);
        const mine = features.mirrored;
        const theirs = ofFlipped.plain;
        expect(mine.count).toBeGreaterThan(100);
        let same = 0;
        for (let i = 0; i < mine.count; i += 1) {
          for (let j = 0; j < theirs.count; j += 1) {
            const near =
              Math.abs(mine.points[2 * i]! - theirs.points[2 * j]!) <= 1 &&
              Math.abs(mine.points[2 * i + 1]! - theirs.points[2 * j + 1]!) <= 1;
            if (near && hamming(mine, i, theirs, j) <= 10) {
              same += 1;
              break;
            }
          }
        }
        expect(same / mine.count).toBeGreaterThanOrEqual(0.95);
      },
    );
  },
);
