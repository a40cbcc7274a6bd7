// Runs a TypeScript bench script against the built services and libraries (dist/, `npx tsc -b
// services/embedded` first): swc strips the script's types on require; every `@lookalike/*` import
// resolves through node_modules to dist, so the whole process runs one consistent build.
const { transformSync } = require('@swc/core');
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require('reflect-metadata');
const script = process.argv[2];
process.argv.splice(1, 2, resolve(script));
require(resolve(script));
