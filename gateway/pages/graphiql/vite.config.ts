import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * `npm run build` (run by `npm ci` through `prepare`): GraphiQL, from the graphiql package, built into web/graphiql/
 * (git-ignored), which the gateway serves like the other pages. No eval and no inline script, for the pages' CSP.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/graphiql/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../../web/graphiql', import.meta.url)),
    emptyOutDir: true,
    // One module script and one stylesheet: nothing inlined into the HTML.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      // React libraries mark their modules "use client", which means nothing in a plain bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
