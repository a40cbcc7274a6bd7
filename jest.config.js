// One runner for the whole repository; projects split the suite by seam.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

// Packages published as ES modules only; swc turns them into CommonJS for Jest.
const esmOnly = [
  'file-type',
  'strtok3',
  'token-types',
  'uint8array-extras',
  '@tokenizer',
  'peek-readable',
  '@borewit',
  'jose',
  'ulid',
  'ml-hclust',
  'ml-distance-euclidean',
  'is-any-array',
  'ml-array-[a-z]+',
];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper: {
    '^@lookalike/service-([a-z-]+)$': '<rootDir>/services/$1/src/index.ts',
    '^@lookalike/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    // file-type's exports map offers only `import`/`module-sync` under `node`, which Jest's CommonJS
    // resolver does not try; point it at the ESM entry, which swc then transforms like the others.
    '^file-type$': '<rootDir>/node_modules/file-type/index.js',
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{libs,services}/*/src/**/*.spec.ts', '<rootDir>/deploy/test/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{libs,services}/*/test/**/*.int-spec.ts'],
      testEnvironment: '<rootDir>/libs/testing/jest/native-typed-arrays.environment.js',
      globals: { __LOOKALIKE_TIMEOUT_MS__: 120000 },
      setupFilesAfterEnv: ['<rootDir>/libs/testing/jest/timeouts.js'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/services/*/test/**/*.e2e-spec.ts'],
      testEnvironment: '<rootDir>/libs/testing/jest/native-typed-arrays.environment.js',
      globals: { __LOOKALIKE_TIMEOUT_MS__: 240000 },
      setupFilesAfterEnv: ['<rootDir>/libs/testing/jest/timeouts.js'],
    },
  ],
};
