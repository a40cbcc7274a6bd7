import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif';

export interface AllowedFormat {
  format: ImageFormat;
  /** The only Content-Type the stored original may ever be served with. */
  mime: string;
  /** The `format` sharp's metadata reports for it (AVIF comes through the heif loader). */
  sharpFormat: string;
}

/**
 * The allow-list, keyed by the `ext` that `file-type` reports. APNG is served as PNG: its default
 * image is a plain PNG frame and it is embedded like one. Anything else (SVG and other XML, HTML,
 * text, PDF, ZIP, HEIC, JPEG XL, JPEG 2000, BMP, camera raw formats that are TIFF inside) is refused.
 */
const allowedByExt: Readonly<Record<string, AllowedFormat>> = {
  jpg: { format: 'jpeg', mime: 'image/jpeg', sharpFormat: 'jpeg' },
  png: { format: 'png', mime: 'image/png', sharpFormat: 'png' },
  apng: { format: 'png', mime: 'image/png', sharpFormat: 'png' },
  webp: { format: 'webp', mime: 'image/webp', sharpFormat: 'webp' },
  gif: { format: 'gif', mime: 'image/gif', sharpFormat: 'gif' },
  tif: { format: 'tiff', mime: 'image/tiff', sharpFormat: 'tiff' },
  avif: { format: 'avif', mime: 'image/avif', sharpFormat: 'heif' },
};

/** File-name extensions spelled differently from the `ext` file-type reports. */
const extensionAliases: Readonly<Record<string, string>> = { jpeg: 'jpg', tiff: 'tif' };

/**
 * The Content-Type a client should send for an image file, from its name (`.JPG`, `.tiff`, ...);
 * undefined for a name outside the allow-list. The server still checks the bytes themselves.
 */
export function mimeTypeForFileName(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return undefined;
  const ext = name.slice(dot + 1).toLowerCase();
  return allowedByExt[extensionAliases[ext] ?? ext]?.mime;
}

/** AVIF is allowed only where this sharp build can decode it. */
const avifDecodable = sharp.format.heif?.input?.buffer === true;

export const ALLOWED_MIME_TYPES: readonly string[] = [
  ...new Set(
    Object.values(allowedByExt)
      .filter((entry) => entry.format !== 'avif' || avifDecodable)
      .map((entry) => entry.mime),
  ),
];

export type FormatDetection =
  | { kind: 'allowed'; entry: AllowedFormat }
  | { kind: 'truncated-signature'; format: ImageFormat }
  | { kind: 'unsupported'; detected: { ext: string; mime: string } | null };

/**
 * Signatures of the allowed formats, used only to tell a file cut off inside its magic bytes (say,
 * the two bytes of a JPEG SOI marker) from a file of another type: the first is corrupt, not foreign.
 */
const signatures: ReadonlyArray<{ format: ImageFormat; bytes: readonly number[] }> = [
  { format: 'jpeg', bytes: [0xff, 0xd8] },
  { format: 'png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { format: 'gif', bytes: [0x47, 0x49, 0x46, 0x38] },
  { format: 'tiff', bytes: [0x49, 0x49, 0x2a, 0x00] },
  { format: 'tiff', bytes: [0x4d, 0x4d, 0x00, 0x2a] },
];

function startsWithSignature(bytes: Uint8Array): ImageFormat | undefined {
  for (const signature of signatures) {
    const length = Math.min(bytes.length, signature.bytes.length);
    if (length === 0) continue;
    let matches = true;
    for (let i = 0; i < length; i += 1) {
      if (bytes[i] !== signature.bytes[i]) {
        matches = false;
        break;
      }
    }
    if (matches) return signature.format;
  }
  return undefined;
}

/** Decides the type from the bytes alone; the file name and any client-sent type are never consulted. */
export async function detectImageFormat(bytes: Uint8Array): Promise<FormatDetection> {
  const detected = await fileTypeFromBuffer(bytes);
  if (detected === undefined) {
    const claimed = startsWithSignature(bytes);
    return claimed
      ? { kind: 'truncated-signature', format: claimed }
      : { kind: 'unsupported', detected: null };
  }
  const entry = allowedByExt[detected.ext];
  if (!entry || (entry.format === 'avif' && !avifDecodable)) {
    return { kind: 'unsupported', detected: { ext: detected.ext, mime: detected.mime } };
  }
  return { kind: 'allowed', entry };
}
