// ESLint: typescript-eslint's strict type-checked rules over every TypeScript file in tsconfig.json, the
// recommended JavaScript rules over the hand-written browser scripts, and eslint-config-prettier last so that
// formatting is Prettier's alone.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // A disable comment that no longer disables anything goes, so that each one left still has a reason to be there.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  // Generated code stays generated (codegen output, the built GraphiQL page, build output).
  globalIgnores(['**/generated/**', 'web/graphiql/**', 'dist/**', '.build/**', '.data/**', 'test-artifacts/**']),
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Counts, ports, sizes and durations go into log lines and error messages as they are; a number has one
      // obvious text form. Everything else (undefined, null, objects) must be turned into text on purpose.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowAny: false, allowBoolean: false, allowNullish: false, allowRegExp: false, allowNever: false, allowArray: false },
      ],
      // `() => resolve()` and `(done) => progress.update(done)` are callbacks that return nothing, written the short
      // way throughout; the rule still catches a void value returned from a function body or used as a value.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Apollo Server plugin hooks and context functions, and our Notifier and EntityCache, promise a Promise; an
      // `async` implementation that needs no await keeps a throw a rejection, as callers that `.catch()` expect.
      '@typescript-eslint/require-await': 'off',
      // `const { DATABASE_URL: _, ...env } = process.env` leaves a key out on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // Tests read GraphQL answers as plain JSON (the helpers type `data` as `Record<string, any>` on purpose: each
    // test asserts the shape it expects) and compare with vitest's asymmetric matchers (`expect.any(String)`,
    // `expect.stringMatching(...)`), which vitest itself types as `any`. Typing every ad-hoc query's answer would
    // add casts, not checks; production code keeps these rules. no-unnecessary-condition: `let stack: Stack` set in
    // beforeAll is undefined when beforeAll failed, so `afterAll(() => stack?.stop())` must guard although the type
    // says it cannot be; and answers are guarded (`data?.citizen?.x`) where the declared JSON shape is a hope.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The pages served to browsers are plain JavaScript modules outside tsconfig.json: no type information.
    files: ['web/**/*.js', '**/pages/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    // Tool configuration at the root (this file, and any other tool's .js/.mjs/.cjs config): Node scripts.
    files: ['*.js', '*.mjs', '*.cjs', '.*.js', '.*.mjs', '.*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  prettier,
);
