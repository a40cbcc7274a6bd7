import { Logger } from '@nestjs/common';

import type { DecodeLimits } from '../preprocess/image-decode';
import type { ImageModel, ModelLogger, TextModel } from './embedding-model.port';
import { hasClipFiles } from './model-manifest';
import {
  MOBILENET_MODEL_NAME,
  type MobileNetLike,
  MobileNetModel,
  type MobileNetRuntime,
} from './mobilenet.model';
import { OnnxMobileNetModel } from './onnx-mobilenet.model';
import { type ModelDevice, OnnxClipModel } from './onnx-clip.model';

export interface EmbeddingModelsOptions {
  /** Directory with visual.onnx, textual.onnx and model.json; without them the offline default runs. */
  modelDir?: string;
  device?: ModelDevice;
  intraOpThreads?: number;
  interOpThreads?: number;
  verifyHashes?: boolean;
  /** Load MobileNetV2 for nsfw_score when CLIP is the image model (it always is loaded otherwise). */
  nsfw?: boolean;
  decodeLimits?: DecodeLimits;
  logger?: ModelLogger;
  /** Runtime of the offline MobileNetV2 (the image model without CLIP, and the NSFW model). */
  mobilenetRuntime?: MobileNetRuntime;
}

/** The models one service instance serves with. */
export interface EmbeddingModels {
  image: ImageModel;
  text?: TextModel;
  /** Why `text` is absent, in words an operator can act on. */
  textUnavailableReason?: string;
  /** The network behind nsfw_score (the image model itself when that is MobileNetV2). */
  nsfw?: MobileNetLike;
  dispose(): Promise<void>;
}

export function textUnavailableReason(activeModel: string, modelDir: string | undefined): string {
  const where = modelDir ? `MODEL_DIR (${modelDir})` : 'MODEL_DIR';
  return (
    `text search needs a CLIP model, but the active model ${activeModel} has no text encoder: ` +
    `put visual.onnx, textual.onnx and model.json in ${where} (\`make models\` downloads OpenCLIP ViT-B/32) and restart the embedding service`
  );
}

/**
 * CLIP when MODEL_DIR holds its files (a broken install fails loudly rather than silently falling
 * back), otherwise the MobileNetV2 bundled in nsfwjs. Nothing is downloaded here.
 */
export async function loadEmbeddingModels(options: EmbeddingModelsOptions = {}): Promise<EmbeddingModels> {
  const logger = options.logger ?? new Logger('EmbeddingModels');
  const nsfwWanted = options.nsfw ?? true;
  if (hasClipFiles(options.modelDir)) {
    const clip = await OnnxClipModel.load({
      modelDir: options.modelDir as string,
      device: options.device,
      intraOpThreads: options.intraOpThreads,
      interOpThreads: options.interOpThreads,
      verifyHashes: options.verifyHashes,
      decodeLimits: options.decodeLimits,
      logger,
    });
    const nsfw = nsfwWanted ? await loadMobileNet(options, logger) : undefined;
    return {
      image: clip,
      text: clip,
      nsfw,
      dispose: async () => {
        await Promise.all([clip.dispose(), nsfw?.dispose()]);
      },
    };
  }
  if (options.device === 'cuda') {
    logger.warn(`MODEL_DEVICE=cuda has no effect on ${MOBILENET_MODEL_NAME}, which runs on tfjs-wasm (CPU)`);
  }
  logger.log(
    `no CLIP model in ${options.modelDir ?? 'MODEL_DIR (unset)'}: serving the offline default ${MOBILENET_MODEL_NAME}`,
  );
  const mobilenet = await loadMobileNet(options, logger);
  return {
    image: mobilenet,
    nsfw: mobilenet,
    textUnavailableReason: textUnavailableReason(MOBILENET_MODEL_NAME, options.modelDir),
    dispose: () => mobilenet.dispose(),
  };
}

/**
 * MobileNetV2 on onnxruntime (converted at load from the bundled weights; multi-threaded, off the
 * event loop) unless MOBILENET_RUNTIME=tfjs asks for tfjs-wasm. Both give the same vectors within
 * 1e-4 cosine (test/mobilenet-onnx.int-spec.ts); docs/embedding.md has their speeds.
 */
function loadMobileNet(options: EmbeddingModelsOptions, logger: ModelLogger): Promise<MobileNetLike> {
  return options.mobilenetRuntime === 'tfjs'
    ? MobileNetModel.load({ decodeLimits: options.decodeLimits, logger })
    : OnnxMobileNetModel.load({
        decodeLimits: options.decodeLimits,
        logger,
        intraOpThreads: options.intraOpThreads,
      });
}
