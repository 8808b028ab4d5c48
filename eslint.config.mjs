// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * Lint rules: ESLint's and typescript-eslint's recommended sets, with formatting left to Prettier
 * (eslint-config-prettier turns the style rules off). Import boundaries between the modules are
 * checked by dependency-cruiser (.dependency-cruiser.cjs), both through `npm run lint`.
 */
export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test/artifacts/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      // Options and request objects from the frameworks are `any` by their own types.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Key, header and body checks match control bytes on purpose.
      'no-control-regex': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
