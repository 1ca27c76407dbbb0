import { GraphQLError, Kind, type DocumentNode } from 'graphql';
import { ErrorCode } from '../common/errors';
import type { Logger } from '../common/logger';
import { startTsWorker } from '../common/ts-worker';
import type { DataFlow } from './flows';

export interface SubgraphEntry {
  name: string;
  url: string;
  sdl: string;
}

export interface CompositionProblem {
  code: string;
  message: string;
  locations: string[];
}

/** A change of the API schema as `@graphql-inspector/core` reports it, before its use is counted. */
export interface ApiChange {
  level: 'BREAKING' | 'DANGEROUS' | 'NON_BREAKING';
  type: string;
  message: string;
  path: string | null;
}

export interface CompositionJob {
  /** The whole set of subgraphs the change would make live. */
  proposed: SubgraphEntry[];
  /** Owning agency of each subgraph by name (`system` for the built-ins). */
  owners: Record<string, string>;
  /** Subgraphs whose cross-agency data flows to list. */
  analyse: string[];
  /** The subgraph whose defined fields to return, for the routing-URL probe. */
  candidate: string | null;
  /** Whether to compose (and diff against `liveSupergraphSdl`), or only to list flows. */
  compose: boolean;
  liveSupergraphSdl: string | null;
}

export interface CompositionOutcome {
  /** Null when the set does not compose (then `problems` says why) or was not composed. */
  supergraphSdl: string | null;
  problems: CompositionProblem[];
  changes: ApiChange[];
  flows: Array<DataFlow & { subgraph: string }>;
  candidateFields: string[];
}

/** Field coordinates a document defines, to compare what a URL serves with what is being checked. */
export function definedFields(document: DocumentNode): string[] {
  const fields: string[] = [];
  for (const definition of document.definitions) {
    if ('fields' in definition && 'name' in definition && definition.name && definition.fields) {
      for (const field of definition.fields) fields.push(`${definition.name.value}.${field.name.value}`);
    }
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION || definition.kind === Kind.ENUM_TYPE_EXTENSION) {
      for (const value of definition.values ?? []) fields.push(`${definition.name.value}.${value.name.value}`);
    }
  }
  return fields;
}

const WORKER = new URL('./composition-worker.ts', import.meta.url);

/**
 * Runs `job` in a worker thread of its own, stopped after `timeoutMs`: an agency's SDL is untrusted input, and the
 * process running the registry also serves requests (under `npm start`, the gateway's). Memory is capped too.
 */
export function composeInWorker(job: CompositionJob, options: { timeoutMs: number; log: Logger }): Promise<CompositionOutcome> {
  const worker = startTsWorker(WORKER, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: 512 } });
  return new Promise<CompositionOutcome>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new GraphQLError(`Composing and checking this change took longer than ${options.timeoutMs} ms (REGISTRY_CHECK_TIMEOUT_MS) and was stopped`, { extensions: { code: ErrorCode.SchemaCheckTimeout } }));
    }, options.timeoutMs);
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      void worker.terminate();
      outcome();
    };
    worker.once('message', (message: CompositionOutcome | { failed: string }) =>
      settle(() => ('failed' in message ? reject(new Error(`composition worker failed: ${message.failed}`)) : resolve(message))),
    );
    worker.once('error', (error: NodeJS.ErrnoException) => {
      options.log.warn({ err: error }, 'composition worker stopped');
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      settle(() => reject(outOfMemory ? new GraphQLError('Composing this change needs more memory than a check may use', { extensions: { code: ErrorCode.SchemaCheckFailed } }) : error));
    });
    worker.once('exit', (code) => settle(() => reject(new Error(`composition worker exited with ${code} before answering`))));
  });
}
