// ESLint: typescript-eslint's strict type-checked rules over every TypeScript file in tsconfig.json, the
// recommended JavaScript rules over the hand-written browser scripts, and eslint-config-prettier last so that
// formatting is Prettier's alone.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Generated code stays generated (codegen output, the built GraphiQL page, build output).
    ignores: ['**/generated/**', 'web/graphiql/**', 'dist/**', '.build/**', '.data/**', 'test-artifacts/**', 'node_modules/**'],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // The pages served to browsers are plain JavaScript modules outside tsconfig.json: no type information.
    files: ['web/**/*.js', 'gateway/pages/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    files: ['eslint.config.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
  prettier,
);
