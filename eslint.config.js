// ESLint (flat config): typescript-eslint's recommended rules, plus the type-aware rules that catch what the
// compiler lets through: promises nobody awaits, and `any` flowing into typed code. `npm run lint` runs it with
// Prettier's check; `npm test` runs both first.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdk.out/',
      'bench/results/',
      'test-artifacts/',
      '.lethe/',
      'docs/',
      'bin/*.js',
      '*.config.*',
      'src/agent/v1.generated.ts',
      'src/core/scrub/term-automaton.generated.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrors: 'none',
        },
      ],
      'max-lines-per-function': ['error', { max: 120, skipBlankLines: true, skipComments: true }],
      // Prettier wraps code at 120 columns; comments must fit too. A long message or description stays whole.
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  {
    // What runs on AWS (functions, core, adapters, the CDK app): no `any` may flow into typed code unnoticed.
    // The local runtime, the CLI, benches and tests read CloudFormation templates, emulator payloads and JSON
    // answers, which are untyped by nature; there `any` stays allowed, and still no promise may float.
    files: [
      'src/core/**/*.ts',
      'src/adapters/**/*.ts',
      'src/wiring/**/*.ts',
      'src/client/**/*.ts',
      'src/console/**/*.ts',
      'lib/**/*.ts',
      'lambdas/**/*.ts',
      'bin/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
    },
  },
  {
    files: ['src/local/**/*.ts', 'src/cli/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // tests describe behaviour in `describe`/`it` blocks longer than any product function may be
    files: ['test/**/*.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
);
