import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

export function payloadTooLarge(maxBytes: number): LookalikeError {
  return new LookalikeError(ErrorCode.PayloadTooLarge, `object is larger than ${maxBytes} bytes`, {
    details: { maxBytes },
  });
}

/** Passes bytes through and fails the stream with payload_too_large once more than maxBytes went by. */
export class ByteLimit extends Transform {
  private seen = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  get bytes(): number {
    return this.seen;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.maxBytes) {
      callback(payloadTooLarge(this.maxBytes));
      return;
    }
    callback(null, chunk);
  }
}

/** Reads a stream into memory, refusing it as soon as it passes maxBytes. */
export async function readLimited(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      total += buffer.length;
      if (total > maxBytes) throw payloadTooLarge(maxBytes);
      chunks.push(buffer);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, total);
}

export function assertPositiveSeconds(seconds: number, max: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > max) {
    throw LookalikeError.invalid(`expiresInSeconds must be an integer in 1..${max}`, { seconds });
  }
}

export function assertMaxBytes(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw LookalikeError.invalid('maxBytes must be a positive integer', { maxBytes });
  }
}

/**
 * RFC 6266 Content-Disposition. The UTF-8 form (filename*) is added only for names that need it:
 * its quote and star characters are where some S3 servers get SigV4 query encoding wrong.
 */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  if (ascii === filename) return `attachment; filename="${ascii}"`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
