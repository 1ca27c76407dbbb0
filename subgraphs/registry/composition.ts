import type { Worker } from 'node:worker_threads';
import { GraphQLError } from 'graphql';
import { ErrorCode, type Logger, startTsWorker } from '../../platform';
import type { CompositionJob, CompositionOutcome } from './composition-job';

const WORKER = new URL('./composition-worker.ts', import.meta.url);

/**
 * The worker thread that composes and checks, kept between jobs: starting one loads the composition libraries, which
 * takes seconds on a busy machine (not counted in a job's time limit: no SDL is involved). Jobs run one at a time;
 * one that runs past its time limit terminates the worker, and the next job starts a fresh one. Idle, it does not
 * keep the process alive.
 */
class CompositionWorker {
  private current: { worker: Worker; ready: Promise<void> } | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  run(job: CompositionJob, options: { timeoutMs: number; log: Logger }): Promise<CompositionOutcome> {
    const result = this.queue.then(() => this.runNow(job, options));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private start(): { worker: Worker; ready: Promise<void> } {
    const worker = startTsWorker(WORKER, { resourceLimits: { maxOldGenerationSizeMb: 512 } });
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`composition worker exited with ${code} while starting`)));
    });
    return { worker, ready };
  }

  private async runNow(job: CompositionJob, options: { timeoutMs: number; log: Logger }): Promise<CompositionOutcome> {
    const current = (this.current ??= this.start());
    const { worker } = current;
    worker.ref();
    try {
      await current.ready;
    } catch (error) {
      this.discard(worker);
      throw error;
    }
    return new Promise<CompositionOutcome>((resolve, reject) => {
      const settle = (outcome: () => void, keep: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (keep) worker.unref();
        else this.discard(worker);
        outcome();
      };
      const onMessage = (message: CompositionOutcome | { failed: string }) =>
        settle(() => ('failed' in message ? reject(new Error(`composition worker failed: ${message.failed}`)) : resolve(message)), true);
      const onError = (error: NodeJS.ErrnoException) => {
        options.log.warn({ err: error }, 'composition worker stopped');
        const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
        settle(
          () =>
            reject(
              outOfMemory
                ? new GraphQLError('Composing this change needs more memory than a check may use', { extensions: { code: ErrorCode.SchemaCheckFailed } })
                : error,
            ),
          false,
        );
      };
      const onExit = (code: number) => settle(() => reject(new Error(`composition worker exited with ${code} before answering`)), false);
      const timer = setTimeout(() => {
        settle(
          () =>
            reject(
              new GraphQLError(`Composing and checking this change took longer than ${options.timeoutMs} ms (REGISTRY_CHECK_TIMEOUT_MS) and was stopped`, {
                extensions: { code: ErrorCode.SchemaCheckTimeout },
              }),
            ),
          false,
        );
      }, options.timeoutMs);
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage(job);
    });
  }

  private discard(worker: Worker): void {
    if (this.current?.worker === worker) this.current = null;
    void worker.terminate();
  }
}

const compositionWorker = new CompositionWorker();

/**
 * Runs `job` in the composition worker thread, stopped after `timeoutMs`: an agency's SDL is untrusted input, and the
 * process running the registry also serves requests (under `npm start`, the gateway's). Its memory is capped too.
 */
export function composeInWorker(job: CompositionJob, options: { timeoutMs: number; log: Logger }): Promise<CompositionOutcome> {
  return compositionWorker.run(job, options);
}
