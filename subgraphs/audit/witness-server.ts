import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, type Logger } from '../../platform';
import { checkpointProblem, checkpointSchema, type Checkpoint } from './checkpoints';
import { fileWitness } from './witness';

export interface WitnessServerOptions {
  /** The witness's own append-only JSON-lines file. */
  file: string;
  /** Only checkpoints this key signed are kept. */
  publicKey: KeyObject;
  host: string;
  /** 0 picks a free port. */
  port: number;
  log: Logger;
}

/** Checkpoints are a few hundred bytes; anything much larger is not one. */
const MAX_BODY_BYTES = 4_096;

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readCheckpoint(request: IncomingMessage): Promise<Checkpoint> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Refusal(413, `a checkpoint is at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Refusal(400, 'the body is not JSON');
  }
  const result = checkpointSchema.safeParse(parsed);
  if (!result.success)
    throw new Refusal(400, `the body is not a checkpoint: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return result.data;
}

function codeOf(status: number): ErrorCode {
  if (status === 403) return ErrorCode.Forbidden;
  if (status === 413) return ErrorCode.PayloadTooLarge;
  return status === 500 ? ErrorCode.InternalServerError : ErrorCode.BadRequest;
}

/**
 * A witness an auditor runs on their own machine (`npm run once -- audit witness`), for AUDIT_WITNESS_URLS: it keeps
 * every checkpoint the audit key signed (POST), refuses a second root for a size it already holds (a fork, 409), and
 * serves its copy as JSON lines (GET), which is what `audit verify` reads.
 */
export async function startWitnessServer(options: WitnessServerOptions): Promise<{ url: string; stop(): Promise<void> }> {
  const witness = fileWitness(options.file);
  // Publishes are applied one after another, so that the fork check and the append see the same file.
  let applying: Promise<unknown> = Promise.resolve();

  async function keep(checkpoint: Checkpoint): Promise<number> {
    const problem = checkpointProblem(checkpoint, options.publicKey);
    if (problem) throw new Refusal(403, `checkpoint refused: ${problem}`);
    const held = (await witness.read()).filter((line): line is Checkpoint => !('problem' in line) && line.treeSize === checkpoint.treeSize);
    if (held.some((other) => other.rootHash === checkpoint.rootHash)) return 200;
    if (held.length > 0) {
      options.log.warn(
        { treeSize: checkpoint.treeSize, held: held.map((other) => other.rootHash), offered: checkpoint.rootHash },
        'audit log fork offered to the witness',
      );
      throw new Refusal(409, `a different root is already held for ${checkpoint.treeSize} records: the log was forked`);
    }
    await witness.publish(checkpoint);
    return 201;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method === 'GET') {
      const lines = (await witness.read()).filter((line): line is Checkpoint => !('problem' in line));
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.end(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
      return;
    }
    if (request.method !== 'POST') throw new Refusal(405, 'a witness answers GET (its checkpoints) and POST (a new one)');
    const checkpoint = await readCheckpoint(request);
    const result = applying.then(() => keep(checkpoint));
    applying = result.catch(() => {});
    const status = await result;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ kept: checkpoint.treeSize }));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const refusal = error instanceof Refusal ? error : new Refusal(500, 'the witness could not keep the checkpoint');
      if (!(error instanceof Refusal)) options.log.error({ err: error }, 'witness request failed');
      response.writeHead(refusal.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: codeOf(refusal.status) } }] }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
