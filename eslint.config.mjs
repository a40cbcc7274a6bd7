import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      'data/**',
      'libs/contracts/src/generated/**',
      'web/src/api/schema.d.ts',
      '.bench/**',
      '**/*.js',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through the validated config of the service (libs/config).',
        },
      ],
    },
  },
  {
    files: [
      '**/*.config.ts',
      '**/config/src/**',
      '**/*.spec.ts',
      '**/test/**',
      'scripts/**',
      '**/main.ts',
      '**/bench/**',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
