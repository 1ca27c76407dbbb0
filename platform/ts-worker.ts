import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Whether this process runs the release build (`dist/`, plain JavaScript) rather than the sources through tsx. */
const BUILT = import.meta.url.endsWith('.js');

/**
 * Starts the TypeScript module at `moduleUrl` in a worker thread. In the release build every module sits at the same
 * place under `dist/` as `.js`, so plain Node starts the built twin. From the sources, a worker does not inherit tsx's
 * loader, so it imports the module through tsx's API.
 */
export function startTsWorker(moduleUrl: URL, options: Omit<WorkerOptions, 'eval'>): Worker {
  if (BUILT) return new Worker(new URL(moduleUrl.href.replace(/\.ts$/, '.js')), options);
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ tsImport }) => tsImport(${JSON.stringify(moduleUrl.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}
