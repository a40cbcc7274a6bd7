import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { z } from 'zod';

import { ModelLoadError } from './model-errors';

export const VISUAL_FILE = 'visual.onnx';
export const TEXTUAL_FILE = 'textual.onnx';
export const MANIFEST_FILE = 'model.json';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256');
const triple = z.tuple([z.number(), z.number(), z.number()]);

/** `MODEL_DIR/model.json`: what the ONNX pair is and how to feed it (docs/embedding.md). */
export const modelManifestSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dot, dash, underscore'),
    version: z.string().min(1),
    weights_sha256: z.object({ visual: sha256, textual: sha256 }),
    input_size: z.number().int().positive(),
    mean: triple,
    std: triple.refine((s) => s.every((v) => v > 0), 'std values must be positive'),
    output_dim: z.number().int().positive(),
    vector_name: z.string().regex(/^[a-z0-9_]+$/),
    context_length: z.number().int().min(2).default(77),
    /** crop (CLIP's own) or pad (aspect-preserving letterbox). */
    resize_mode: z.enum(['crop', 'pad']).default('crop'),
    /** Tensor names, when the export has more than one input or output. */
    visual_input: z.string().optional(),
    visual_output: z.string().optional(),
    textual_input: z.string().optional(),
    textual_output: z.string().optional(),
  })
  .strict();

export type ModelManifest = z.infer<typeof modelManifestSchema>;

/** True when MODEL_DIR holds any CLIP file: then all of them must be valid (a half install is an error). */
export function hasClipFiles(modelDir: string | undefined): boolean {
  if (!modelDir) return false;
  return [VISUAL_FILE, TEXTUAL_FILE, MANIFEST_FILE].some((file) => existsSync(join(modelDir, file)));
}

export function readManifest(modelDir: string): ModelManifest {
  const path = join(modelDir, MANIFEST_FILE);
  for (const file of [MANIFEST_FILE, VISUAL_FILE, TEXTUAL_FILE]) {
    if (!existsSync(join(modelDir, file))) {
      throw new ModelLoadError(
        `${join(modelDir, file)} is missing: MODEL_DIR needs ${VISUAL_FILE}, ${TEXTUAL_FILE} and ${MANIFEST_FILE} (run \`make models\` or see docs/embedding.md)`,
        { modelDir, file },
      );
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ModelLoadError(`${path} is not valid JSON`, { file: path }, error);
  }
  const parsed = modelManifestSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ModelLoadError(`${path} is invalid: ${problems.join('; ')}`, { file: path, problems });
  }
  return parsed.data;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Refuses weights that are not the ones model.json names (a partial download, a swapped file). */
export async function verifyWeights(modelDir: string, manifest: ModelManifest): Promise<void> {
  const files = [
    [VISUAL_FILE, manifest.weights_sha256.visual],
    [TEXTUAL_FILE, manifest.weights_sha256.textual],
  ] as const;
  for (const [file, expected] of files) {
    const actual = await sha256File(join(modelDir, file));
    if (actual !== expected) {
      throw new ModelLoadError(
        `${join(modelDir, file)} has sha256 ${actual}, but model.json expects ${expected}: the file is incomplete or not the model it claims to be`,
        { file, expected, actual },
      );
    }
  }
}
