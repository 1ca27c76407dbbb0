import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { checkpointProblem, checkpointSchema, type Checkpoint } from './checkpoints';

/**
 * A witness keeps copies of signed checkpoints outside the audit database, so that a rewritten or truncated log
 * no longer matches what was published. The format is the same everywhere: one checkpoint as JSON per line.
 */
export interface Witness {
  /** The file path or URL, for messages. */
  readonly name: string;
  publish(checkpoint: Checkpoint): Promise<void>;
  /** Every line the witness holds: a checkpoint, or why the line is not one. */
  read(): Promise<Array<Checkpoint | { problem: string }>>;
}

const HTTP_TIMEOUT_MS = 5_000;

function parseLines(text: string, name: string): Array<Checkpoint | { problem: string }> {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, number }) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return { problem: `${name} line ${number} is not JSON` };
      }
      const result = checkpointSchema.safeParse(parsed);
      return result.success
        ? result.data
        : {
            problem: `${name} line ${number} is not a checkpoint: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
          };
    });
}

/** An append-only JSON-lines file (the default witness; put it on storage the database administrators cannot write). */
export function fileWitness(file: string): Witness {
  return {
    name: file,
    async publish(checkpoint) {
      await mkdir(dirname(file), { recursive: true });
      // One write of one line with O_APPEND: concurrent writers (gateway workers) never interleave within a line.
      await appendFile(file, `${JSON.stringify(checkpoint)}\n`, { flag: 'a' });
    },
    async read() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      return parseLines(text, file);
    },
  };
}

/**
 * An HTTP witness (an auditor's own copy): each checkpoint is POSTed to the URL as JSON, and a GET of the URL returns
 * the checkpoints it holds as JSON lines (so a static copy of a witness file serves as well).
 */
export function httpWitness(url: string): Witness {
  return {
    name: url,
    async publish(checkpoint) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(checkpoint),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`witness ${url} answered HTTP ${response.status}`);
    },
    async read() {
      const response = await fetch(url, { headers: { accept: 'application/x-ndjson, application/json' }, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`witness ${url} answered HTTP ${response.status}`);
      }
      return parseLines(await response.text(), url);
    },
  };
}

export function configuredWitnesses(config: { witnessFile: string; witnessUrls: readonly string[] }): Witness[] {
  return [fileWitness(config.witnessFile), ...config.witnessUrls.map(httpWitness)];
}

export interface WitnessedCheckpoints {
  /** Checkpoints signed by the audit key, one per (size, root), smallest first. */
  checkpoints: Checkpoint[];
  /** Sizes at which two signed checkpoints disagree on the root hash. */
  forks: Array<{ treeSize: number; rootHashes: string[] }>;
  /** Witnesses that could not be read, lines that are not checkpoints, checkpoints not signed by the audit key. */
  problems: string[];
}

/** Everything the witnesses hold that the audit key signed; the rest is reported, never trusted. */
export async function collectCheckpoints(witnesses: readonly Witness[], publicKey: KeyObject): Promise<WitnessedCheckpoints> {
  const problems: string[] = [];
  const bySize = new Map<number, Map<string, Checkpoint>>();
  await Promise.all(
    witnesses.map(async (witness) => {
      let lines: Awaited<ReturnType<Witness['read']>>;
      try {
        lines = await witness.read();
      } catch (error) {
        problems.push(`witness ${witness.name} could not be read: ${(error as Error).message}`);
        return;
      }
      for (const line of lines) {
        if ('problem' in line) {
          problems.push(line.problem);
          continue;
        }
        const problem = checkpointProblem(line, publicKey);
        if (problem) {
          problems.push(`${witness.name} holds a checkpoint of size ${line.treeSize} that is not trusted: ${problem}`);
          continue;
        }
        const roots = bySize.get(line.treeSize) ?? new Map<string, Checkpoint>();
        if (!roots.has(line.rootHash)) roots.set(line.rootHash, line);
        bySize.set(line.treeSize, roots);
      }
    }),
  );
  const sizes = [...bySize.keys()].sort((a, b) => a - b);
  const forks = sizes
    .filter((size) => (bySize.get(size)?.size ?? 0) > 1)
    .map((treeSize) => ({ treeSize, rootHashes: [...(bySize.get(treeSize)?.keys() ?? [])].sort() }));
  const checkpoints = sizes.flatMap((size) => [...(bySize.get(size)?.values() ?? [])]);
  return { checkpoints, forks, problems };
}
