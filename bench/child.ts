import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSigningKey } from '../subgraphs/audit';

export interface Child {
  process: ChildProcess;
  /** The JSON the child printed on its `ready` line. */
  ready: Record<string, unknown>;
  /** Peak resident set size of the process and its descendants, sampling /proc while it ran, in MB. */
  peakRssMb(): number;
  /** User + system CPU seconds the process and its descendants have used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const CLOCK_TICKS = 100;

/** The process and its descendants (gateway workers), from /proc/<pid>/task/<tid>/children. */
function processTree(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      children.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    }
  } catch {
    return [pid];
  }
  return [pid, ...children.flatMap(processTree)];
}

/** CPU seconds and RSS of a process and all its descendants. */
function treeStat(pid: number): { cpu: number; rssMb: number } {
  return processTree(pid)
    .map(procStat)
    .reduce<{ cpu: number; rssMb: number }>((sum, stat) => ({ cpu: sum.cpu + (stat?.cpu ?? 0), rssMb: sum.rssMb + (stat?.rssMb ?? 0) }), { cpu: 0, rssMb: 0 });
}

function procStat(pid: number): { cpu: number; rssMb: number } | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return { cpu: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, rssMb: Number(rss ?? 0) / 1024 };
  } catch {
    return null;
  }
}

/** `{"ready": {...}}` from the benchmark's own servers, or a pino line `"msg":"gateway ready"` (or `"<name> subgraph ready"`). */
function readyLine(line: string): Record<string, unknown> | null {
  if (line.startsWith('{"ready"')) return (JSON.parse(line) as { ready: Record<string, unknown> }).ready;
  if (/"msg":"(gateway|[\w-]+ subgraph) ready"/.test(line)) return JSON.parse(line) as Record<string, unknown>;
  return null;
}

/** The Node flags `npm run gateway` starts our gateway with (GATEWAY_HEAP_MB, default 512), for benchmarks that start it themselves. */
export function gatewayNodeArgs(heapMb = process.env.GATEWAY_HEAP_MB ?? '512'): string[] {
  return [`--max-old-space-size=${heapMb}`];
}

let auditFolder: string | null = null;

/**
 * The audit key and witness file of this run's children, unless a child's env names its own: a production gateway
 * refuses to run an audit log it cannot sign. Made on first use in a folder of this process's own, removed at exit.
 */
function auditEnv(): Record<string, string> {
  if (!auditFolder) {
    const folder = mkdtempSync(join(tmpdir(), 'once-child-audit-'));
    process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
    ensureSigningKey(join(folder, 'audit-signing-key.pem'));
    auditFolder = folder;
  }
  return { AUDIT_SIGNING_KEY_FILE: join(auditFolder, 'audit-signing-key.pem'), AUDIT_WITNESS_FILE: join(auditFolder, 'witness.jsonl') };
}

const running = new Set<ChildProcess>();
// A benchmark or test that fails half-way must not leave its gateways and subgraphs behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a TypeScript entry point as its own process (optionally pinned to CPUs with taskset) and waits for its
 * ready line on stdout.
 */
export async function startChild(entry: string, args: string[], env: Record<string, string>, cpus?: string, nodeArgs: string[] = []): Promise<Child> {
  const command = cpus ? 'taskset' : process.execPath;
  // BENCH_CPU_PROF=<dir>: every child writes a V8 CPU profile there when it exits (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const commandArgs = [...(cpus ? ['-c', cpus, process.execPath] : []), ...profile, ...nodeArgs, '--import', 'tsx', entry, ...args];
  const child = spawn(command, commandArgs, { env: { ...process.env, LOG_LEVEL: 'warn', ...auditEnv(), ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let peak = 0;
  const sampler = setInterval(() => {
    if (child.pid) peak = Math.max(peak, treeStat(child.pid).rssMb);
  }, 200);
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let partial = '';
    const scan = (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      const found = lines.map(readyLine).find((line) => line !== null);
      if (!found) return;
      // Ready: what the child prints from now on is drained, not kept.
      child.stdout.off('data', scan).resume();
      resolve(found);
    };
    child.stdout.on('data', scan);
    child.once('exit', (code, signal) => {
      clearInterval(sampler);
      reject(new Error(`${entry} exited with ${code ?? String(signal)} before it was ready`));
    });
  });
  return {
    process: child,
    ready,
    peakRssMb: () => peak,
    cpuSeconds: () => (child.pid ? treeStat(child.pid).cpu : 0),
    async stop() {
      clearInterval(sampler);
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
