import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

/** `npm run once -- args` as a real process on the run's database. */
function once(args: string[]) {
  const env = { ...process.env, DATABASE_URL: inject('databaseUrl'), LOG_LEVEL: 'warn' };
  return spawnSync(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', ...args], { env, encoding: 'utf8' });
}

function exportAudit(args: string[]) {
  return once(['audit', 'export', ...args]);
}

describe('npm run once -- audit export --out', () => {
  it('writes NDJSON to the file alone: one JSON record a line, nothing of npm or the logs', () => {
    const clientId = `export-${process.pid}-${Date.now()}`;
    expect(once(['clients', 'add', clientId, '--name', 'Export test', '--role', 'PORTAL', '--actor', 'export-test']).status).toBe(0);
    const out = join(mkdtempSync(join(tmpdir(), 'once-export-')), 'audit.ndjson');
    const exported = exportAudit(['--format', 'ndjson', '--out', out, '--since', '2000-01-01T00:00:00Z']);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toBe('');
    const records = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; operationName: string; officer: string });
    expect(records.some((record) => record.operationName === 'createClient' && record.officer === 'export-test')).toBe(true);
  });

  it('refuses a file it cannot write, and malformed --since/--until, naming them, without a stack trace', () => {
    const cases: Array<[string[], string]> = [
      [['--out', '/nonexistent-folder/audit.ndjson'], 'cannot write the export to /nonexistent-folder/audit.ndjson: ENOENT'],
      [['--out', join(tmpdir())], `cannot write the export to ${tmpdir()}: EISDIR`],
      [['--since', 'yesterday'], '--since must be an ISO 8601 timestamp such as 2026-11-01T00:00:00Z; got yesterday'],
      [['--until', "2026-01-01'; DROP TABLE audit.records; --"], '--until must be an ISO 8601 timestamp'],
      [['--format', 'xml', '--out', join(tmpdir(), 'never.xml')], '--format must be ndjson or csv; got xml'],
    ];
    for (const [args, message] of cases) {
      const refused = exportAudit(args);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(message);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(join(tmpdir(), 'never.xml'))).toBe(false);
  });
});
