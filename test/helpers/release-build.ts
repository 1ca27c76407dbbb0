import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * A release build of the test's own under `.build/` (`npm run build -- --out`), so that test files running at the same
 * time never replace the files another one's processes run. `remove()` deletes it.
 */
export function buildRelease(label: string): { dist: string; remove(): void } {
  const out = join('.build', `${label}-${randomBytes(4).toString('hex')}`);
  execFileSync(process.execPath, ['--import', 'tsx', 'deploy/build.ts', '--out', out], { cwd: ROOT, stdio: 'pipe' });
  const dist = join(ROOT, out);
  return { dist, remove: () => rmSync(dist, { recursive: true, force: true }) };
}
