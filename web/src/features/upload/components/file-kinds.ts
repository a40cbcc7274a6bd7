import type { Accept } from 'react-dropzone';

// The containers the video service reads (it checks the bytes; this only routes the file).
const videoTypes: Record<string, string[]> = {
  'video/mp4': ['.mp4', '.m4v'],
  'video/quicktime': ['.mov'],
  'video/webm': ['.webm'],
  'video/x-matroska': ['.mkv'],
};
const videoExtensions = new Set(Object.values(videoTypes).flat());

/** What the file picker and the drop zone take: any image type, and the video containers above. */
export const acceptedFiles: Accept = { 'image/*': [], ...videoTypes };

const extensionOf = (name: string) => /\.[^./\\]+$/.exec(name)?.[0]?.toLowerCase() ?? '';

export type FileKind = 'image' | 'video';

/**
 * An image by its MIME type; a video by its MIME type or, where the browser gives none (often for .mkv),
 * by its extension. Anything else is neither.
 */
export function kindOf(file: File): FileKind | undefined {
  if (file.type.startsWith('image/')) return 'image';
  if (Object.hasOwn(videoTypes, file.type) || videoExtensions.has(extensionOf(file.name))) return 'video';
  return undefined;
}
