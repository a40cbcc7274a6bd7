/**
 * The worker side of `LocalFeaturePool`: OpenCV runs here, one runtime per thread, so feature
 * extraction and pair verification never hold the event loop of a process that serves requests.
 */
import { decodeLocalFeatures, encodeLocalFeatures } from './feature-codec';
import { extractWith, FEATURE_DEFAULTS, type FeatureOptions, type GreyImage } from './local-features';
import { openCv } from './opencv';
import { VERIFY_DEFAULTS, verifyWith, type PairGeometry, type VerifyOptions } from './verify-pair';

export interface ExtractTask {
  grey: GreyImage;
  options?: FeatureOptions;
}

export interface VerifyTask {
  /** Encoded features (`encodeLocalFeatures`) of A, and of each B it is checked against. */
  a: Uint8Array;
  others: Uint8Array[];
  options?: VerifyOptions;
}

export async function extract(task: ExtractTask): Promise<Uint8Array> {
  return encodeLocalFeatures(extractWith((await openCv()).cv, task.grey, task.options ?? FEATURE_DEFAULTS));
}

export async function verify(task: VerifyTask): Promise<PairGeometry[]> {
  const { cv } = await openCv();
  const a = decodeLocalFeatures(task.a);
  return task.others.map((bytes) =>
    verifyWith(cv, a, decodeLocalFeatures(bytes), task.options ?? VERIFY_DEFAULTS),
  );
}
