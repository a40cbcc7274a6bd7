export {
  extractLocalFeatures,
  extractWith,
  FEATURE_DEFAULTS,
  featureSignature,
  type FeatureOptions,
  type GreyImage,
  type KeypointSet,
  type LocalFeatures,
  ORB_DESCRIPTOR_BYTES,
} from './local-features';
export {
  decodeLocalFeatures,
  encodeLocalFeatures,
  LOCAL_FEATURES_MIME,
  localFeaturesKey,
} from './feature-codec';
export { fitGrey, stretchContrast } from './grey-fit';
export { greyFromBytes } from './grey-image';
export {
  MAX_EVIDENCE_POINTS,
  type PairGeometry,
  type RegionBox,
  reverseGeometry,
  VERIFY_DEFAULTS,
  type VerifyOptions,
  type VerifyOutcome,
  verifyPair,
  verifyWith,
} from './verify-pair';
export { defaultFeatureThreads, LocalFeaturePool, type LocalFeaturePoolOptions } from './feature-pool';
export { openCv, type OpenCv, type OpenCvRuntime } from './opencv';
export {
  cvOps,
  type CvOps,
  type CvRuntime,
  type CvRuntimeChoice,
  cvRuntimesHere,
  NATIVE_ADDON_PATH,
  resolveCvRuntime,
} from './cv-ops';
export {
  LocalFeaturesModule,
  type LocalFeaturesSettings,
  LocalFeatureWorkers,
} from './nest/local-features.module';
export { type FeatureSource, StoredFeatures, type StoredFeaturesOptions } from './stored-features';
