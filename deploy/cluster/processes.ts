import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** A child process of the cluster, with what it printed (for the error when it dies early). */
export interface ClusterProcess {
  name: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<number | string>;
}

/** Output kept per process: enough for the last lines of a crash, bounded for long runs. */
const OUTPUT_LIMIT = 64 * 1024;

const running = new Set<ChildProcess>();
// A test runner that dies mid-run must not leave replicas and HAProxy behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Where a built-in subgraph's own process starts, relative to the build's root. The registry's entry lives with the
 * gateway, whose health check it runs before it records a version.
 */
export function subgraphEntry(name: string): string {
  return name === 'registry' ? 'gateway/registry-server.js' : `subgraphs/${name}/server.js`;
}

export function startProcess(name: string, command: string, args: readonly string[], env: Record<string, string>): ClusterProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      running.delete(child);
      output += `\n${error.message}`;
      resolve('spawn-failed');
    });
  });
  return {
    name,
    child,
    output: () => output,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(forced);
      return result;
    },
  };
}

/** A port free on the loopback interface now (the kernel's pick), for a process that cannot take port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Waits until `url` answers 200, failing at once if the process exits, or after `timeoutMs`. */
export async function waitHealthy(url: string, owner: ClusterProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A holder, not a local: TypeScript would narrow a local to null, as it cannot see the callback assign it.
  const exit: { code: number | string | null } = { code: null };
  void owner.exited.then((code) => (exit.code = code));
  while (Date.now() < deadline) {
    if (exit.code !== null) throw new Error(`${owner.name} exited with ${exit.code} before it was healthy:\n${owner.output().slice(-4000)}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${owner.name} was not healthy at ${url} after ${timeoutMs} ms:\n${owner.output().slice(-4000)}`);
}

/** Where `npm run build` puts the release build. */
export const RELEASE_DIST = resolve(import.meta.dirname, '../../dist');

/** A built entry point in the release build at `dist`: the cluster runs what production runs, without tsx. */
export function built(dist: string, entry: string): string {
  const file = join(dist, entry);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  return file;
}
