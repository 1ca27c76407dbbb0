import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the TypeScript module at `moduleUrl` in a worker thread. A worker does not inherit tsx's loader, so it
 * imports the module through tsx's API.
 */
export function startTsWorker(moduleUrl: URL, options: Omit<WorkerOptions, 'eval'>): Worker {
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ tsImport }) => tsImport(${JSON.stringify(moduleUrl.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}
