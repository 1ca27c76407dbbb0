import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * The share of a process's CPU time spent inside given source files, from a V8 CPU profile (`BENCH_CPU_PROF=<dir>`
 * with any benchmark): for each file, the inclusive time of its functions (their own time and everything they call,
 * such as the crypto they hash and sign with), counted once where they call each other. Idle time is left out of the
 * total. `npx tsx bench/profile-share.ts --profile <file.cpuprofile> subgraphs/audit/tree.ts subgraphs/audit/merkle.ts ...`
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals: files } = parseArgs({ options: { profile: { type: 'string' } }, allowPositionals: true });
if (!values.profile || files.length === 0) {
  process.stderr.write('Usage: npx tsx bench/profile-share.ts --profile <file.cpuprofile> <source file>...\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(values.profile, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

/** Which of `files` a sample's stack passes through (each counted once per sample). */
function filesOnStack(leaf: number): Set<string> {
  const found = new Set<string>();
  for (let id: number | undefined = leaf; id !== undefined; id = parentOf.get(id)) {
    const url = byId.get(id)?.callFrame.url ?? '';
    for (const file of files) if (url.endsWith(file)) found.add(file);
  }
  return found;
}

let busy = 0;
const inside = new Map<string, number>(files.map((file) => [file, 0]));
let insideAny = 0;
profile.samples.forEach((leaf, index) => {
  const micros = profile.timeDeltas[index] ?? 0;
  if (byId.get(leaf)?.callFrame.functionName === '(idle)') return;
  busy += micros;
  const found = filesOnStack(leaf);
  for (const file of found) inside.set(file, (inside.get(file) ?? 0) + micros);
  if (found.size > 0) insideAny += micros;
});

const percent = (micros: number) => `${((100 * micros) / busy).toFixed(2)}%`;
process.stdout.write(`busy CPU in the profile: ${(busy / 1e6).toFixed(2)} s\n`);
for (const [file, micros] of inside) process.stdout.write(`${file}: ${(micros / 1e3).toFixed(0)} ms, ${percent(micros)}\n`);
process.stdout.write(`any of them: ${(insideAny / 1e3).toFixed(0)} ms, ${percent(insideAny)}\n`);
