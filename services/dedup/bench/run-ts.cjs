// Runs a TypeScript bench script without a build: swc strips the types on require, and the
// `@lookalike/<lib>` aliases resolve to libs/<lib>/src like they do under Jest.
const { transformSync } = require('@swc/core');
const Module = require('node:module');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '../../..');
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveAlias(request, ...rest) {
  const lib = /^@lookalike\/([a-z-]+)$/.exec(request);
  if (lib && !lib[1].startsWith('service-')) request = join(root, 'libs', lib[1], 'src', 'index.ts');
  return originalResolve.call(this, request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const source = require('node:fs').readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require('reflect-metadata');
const script = process.argv[2];
process.argv.splice(1, 2, resolve(script));
require(resolve(script));
