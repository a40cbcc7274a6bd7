import sharp from 'sharp';

/**
 * The libvips loaders left enabled: one per format of the allow-list (nsgif is libvips' GIF
 * loader, heif its AVIF loader). Blocking the base class `VipsForeignLoad` first disables every
 * other loader (SVG, PDF, ImageMagick, JPEG XL, OpenSlide, FITS, Matrix, CSV, raw .v files...),
 * so a file that slips past the byte sniffing can still not reach a parser we never meant to expose.
 */
export const ALLOWED_SHARP_LOADERS = [
  'VipsForeignLoadJpeg',
  'VipsForeignLoadPng',
  'VipsForeignLoadWebp',
  'VipsForeignLoadNsgif',
  'VipsForeignLoadTiff',
  'VipsForeignLoadHeif',
] as const;

let restricted = false;

/**
 * Restricts libvips to the allowed loaders. The setting is process-wide (libvips keeps it in global
 * state), so it also applies to any other code in the same process that uses sharp: such code can
 * still create images (`create`, raw input, `text`) but cannot load SVG or the other blocked formats.
 * It runs once when this module is first loaded; calling it again is harmless.
 */
export function restrictSharpLoaders(): void {
  if (restricted) return;
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: [...ALLOWED_SHARP_LOADERS] });
  restricted = true;
}

restrictSharpLoaders();
