// Lint rules that keep the architecture honest (DESIGN.md 2 and 9, style-anchors §5):
// - configuration is parsed once: no `process.env` outside config files, entry points, tools and tests;
// - services never import each other; libraries never import services; only tests may reach into services;
// - no console output from services and libraries (JSON logs through pino).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const SERVICES = ['device-gateway', 'ingest', 'sync-coordinator', 'status'];
const noProcessEnv = {
  selector: "MemberExpression[object.name='process'][property.name='env']",
  message: 'Read configuration once in config/ or main.ts and inject it; no process.env deep in the code.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.local/', '.nx/', 'coverage/', '**/target/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-restricted-syntax': ['error', noProcessEnv],
      'no-console': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  // NestJS injects by constructor parameter types (decorator metadata): a type-only import would erase the
  // class the container needs at run time.
  { files: ['services/**/*.ts', 'libs/observability/**/*.ts'], rules: { '@typescript-eslint/consistent-type-imports': 'off' } },
  ...SERVICES.map((service) => ({
    files: [`services/${service}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: SERVICES.filter((s) => s !== service).map((s) => `**/${s}/**`), message: 'Services never import each other; share through libs/contracts.' },
            { group: ['**/libs/*/src/**', '../../libs/**'], message: 'Import libraries through their alias, e.g. @attendance/contracts.' },
            { group: ['**/tools/**'], message: 'Production code does not import tools/.' },
          ],
        },
      ],
    },
  })),
  {
    files: ['libs/**/*.ts'],
    ignores: ['libs/testing/**', '**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/services/**'], message: 'Libraries never import services.' }, { group: ['**/tools/**'], message: 'Libraries do not import tools/.' }] },
      ],
    },
  },
  {
    files: ['**/config/**/*.ts', '**/main.ts', '**/test/**/*.ts', 'tools/**/*.{ts,mjs}', 'deploy/**/*.cjs', 'tests/**/*.ts', 'libs/testing/**/*.ts', '**/*.spec.ts', '**/*.int-spec.ts', 'jest.config.js'],
    rules: { 'no-restricted-syntax': 'off', 'no-console': 'off' },
  },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
