import { cp, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';

/**
 * The release build: `npm run build` compiles every module of the platform, the gateway, the subgraphs and the operations to
 * `dist/`, one `.js` file per `.ts` file at the same place, and copies the files they read at run time (schemas,
 * migrations, the persisted-operation manifest, the supergraph) beside them. Keeping the layout keeps every
 * `import.meta.url`-relative path (a subgraph's `schema.graphql` and `migrations/`, the worker threads) true without a
 * change to the code; plain Node then runs `dist/` with no TypeScript loader.
 * `--out DIR` builds elsewhere (tests build their own copy, so that they never replace a `dist/` something runs).
 */
const ROOT = resolve(import.meta.dirname, '..');
const USAGE = 'Usage: npm run build [-- --out DIR]  (DIR: dist, the default, or a folder under .build/; it is replaced)';
const SOURCES = ['platform', 'gateway', 'subgraphs', 'operations'];
/** Entry points outside the source folders: the migrations Job. */
const EXTRA_MODULES = ['deploy/migrate.ts'];
/** Files outside the source folders that the built code reads. */
const EXTRA_ASSETS = ['schema/supergraph.graphql', 'web'];

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** The file a relative, extensionless specifier names, as the type checker's "Bundler" resolution finds it. */
function resolveSource(fromDir: string, specifier: string): string {
  const base = resolve(fromDir, specifier);
  const found = [base, `${base}.ts`, join(base, 'index.ts')].find((candidate) => /\.(ts|json)$/.test(candidate) && existsSync(candidate));
  if (!found) throw new Error(`cannot resolve ${specifier} from ${relative(ROOT, fromDir)}`);
  return found;
}

/**
 * Every module is its own entry point: relative imports stay imports, rewritten to the built file's name
 * (`./config` to `./config.js`, `../subgraphs` to `../subgraphs/index.js`) since Node's ESM loader wants full names.
 * An import of a file the build leaves out (`included`: the modules and assets, relative to the root) fails it,
 * rather than the built process at run time.
 */
function keepRelativeImports(included: ReadonlySet<string>): Plugin {
  return {
    name: 'keep-relative-imports',
    setup(context) {
      context.onResolve({ filter: /^\.\.?(\/|$)/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const target = resolveSource(args.resolveDir, args.path);
        if (!included.has(relative(ROOT, target)))
          throw new Error(`${relative(ROOT, args.importer)} imports ${relative(ROOT, target)}, which the build leaves out`);
        let specifier = relative(args.resolveDir, target).replace(/\.ts$/, '.js');
        if (!specifier.startsWith('.')) specifier = `./${specifier}`;
        return { path: specifier, external: true };
      });
    },
  };
}

/**
 * The output folder, which the build replaces: `dist`, or one under `.build/` (tests). Both sit inside the project, so
 * that the built files find its package.json (ESM) and node_modules; nothing else may be wiped by a mistyped flag.
 */
function outputFolder(): string {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
  const inside = relative(ROOT, resolve(ROOT, values.out));
  const [first, ...rest] = inside.split(sep);
  if (!(inside === 'dist' || (first === '.build' && rest.length > 0 && !rest.includes('..')))) {
    throw new Error(`--out must be dist or a folder under .build/; got ${values.out}`);
  }
  return join(ROOT, inside);
}

async function main(): Promise<void> {
  const started = Date.now();
  const out = outputFolder();
  await rm(out, { recursive: true, force: true });
  const files = (await Promise.all(SOURCES.map(filesUnder))).flat();
  const modules = [...files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')), ...EXTRA_MODULES];
  const assets = [...files.filter((file) => !file.endsWith('.ts')), ...EXTRA_ASSETS];
  await build({
    absWorkingDir: ROOT,
    entryPoints: modules,
    outdir: out,
    outbase: '.',
    bundle: true,
    packages: 'external',
    plugins: [keepRelativeImports(new Set([...modules, ...assets]))],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  await Promise.all(assets.map((asset) => cp(join(ROOT, asset), join(out, asset), { recursive: true })));
  process.stdout.write(`built ${modules.length} modules and copied ${assets.length} files to ${relative(ROOT, out)}/ in ${Date.now() - started} ms\n`);
}

await main().catch((error: unknown) => {
  process.stderr.write(`build failed: ${(error as Error).message}\n${USAGE}\n`);
  process.exit(1);
});
