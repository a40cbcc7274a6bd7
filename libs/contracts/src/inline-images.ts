/**
 * The most image bytes a message carries inline (`ImageSource.inline`, a search query's
 * `image_bytes`), well under NATS's default 1 MiB payload; larger images travel by object key.
 */
export const MAX_INLINE_IMAGE_BYTES = 768 * 1024;
