// onnxruntime-node's native binding creates typed arrays in Node's main realm, while Jest runs each
// test file in a separate VM context whose Float32Array is another constructor, so onnxruntime's own
// `instanceof Float32Array` checks fail inside Jest. Tests that run real inference use this
// environment (the integration and e2e projects), which gives the test context the main realm's
// typed-array constructors: the embedded stack runs the offline model on onnxruntime.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class NativeTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = NativeTypedArraysEnvironment;
