/** Vectors travel as packed little-endian float32 bytes, never as JSON number arrays. */
export function packVector(vector: Float32Array | readonly number[]): Buffer {
  const f32 = vector instanceof Float32Array ? vector : Float32Array.from(vector);
  return Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength);
}

export function unpackVector(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) {
    throw new RangeError(`a packed float32 vector needs a multiple of 4 bytes, got ${bytes.byteLength}`);
  }
  // Views need 4-byte alignment; decoded protobuf fields are often slices at odd offsets.
  if (bytes.byteOffset % 4 === 0) {
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }
  return new Float32Array(bytes.slice().buffer);
}
