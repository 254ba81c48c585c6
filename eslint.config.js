// Lint: eslint's recommended rules plus typescript-eslint's type-aware recommended rules for the TypeScript;
// eslint's recommended rules for the browser scripts in public/ (plain JavaScript, no build).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const browserGlobals = Object.fromEntries(
  ['window', 'document', 'fetch', 'URL', 'URLSearchParams', 'FormData', 'console', 'setTimeout', 'Headers'].map((name) => [
    name,
    'readonly',
  ]),
);

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['public/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: browserGlobals, parserOptions: { projectService: false } },
  },
);
