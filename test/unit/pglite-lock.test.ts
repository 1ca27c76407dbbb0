import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseLockedError, lockDataDir, openDatabase, createLogger } from '../../platform';

const log = createLogger('test', 'silent');
let folder: string;
let alive: ChildProcess;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'once-lock-'));
  alive = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
});
afterAll(() => {
  alive.kill();
});

/** A pid that ran and is gone. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the embedded database lock', () => {
  it('is held with the owner pid while the database is open, refuses a second opening, and goes with close', async () => {
    const config = { DATA_DIR: join(folder, 'one'), DATABASE_POOL_SIZE: 1 };
    const db = await openDatabase(config, log);
    const lockFile = join(config.DATA_DIR, 'pglite.lock');
    try {
      expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
      await expect(openDatabase(config, log)).rejects.toThrow(`is in use by process ${process.pid} (this one)`);
    } finally {
      await db.close();
    }
    expect(existsSync(lockFile)).toBe(false);
  });

  it('refuses while another live process holds it, naming the process, the way out and the lock file', () => {
    const lockFile = join(folder, 'live.lock');
    writeFileSync(lockFile, String(alive.pid));
    let error: unknown;
    try {
      lockDataDir(lockFile, 'the-data');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DatabaseLockedError);
    expect((error as Error).message).toContain(`the embedded database the-data is in use by process ${String(alive.pid)} (npm start?)`);
    expect((error as Error).message).toContain('DATABASE_URL');
    expect((error as Error).message).toContain(`delete ${lockFile}`);
    expect(readFileSync(lockFile, 'utf8')).toBe(String(alive.pid));
  });

  it.each([
    ['the pid of a process that is gone', () => String(deadPid())],
    ['no pid at all', () => ''],
    ['garbage', () => '../../etc/passwd\n\u0000 42 not-a-pid'],
  ])('takes over a stale lock holding %s', (_, content) => {
    const lockFile = join(folder, `stale-${Math.random()}.lock`);
    writeFileSync(lockFile, content());
    const release = lockDataDir(lockFile, 'the-data');
    expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('does not remove a lock that another process took after it', () => {
    const lockFile = join(folder, 'taken.lock');
    const release = lockDataDir(lockFile, 'the-data');
    writeFileSync(lockFile, String(alive.pid));
    release();
    expect(readFileSync(lockFile, 'utf8')).toBe(String(alive.pid));
  });
});

describe('npm run once while npm start holds the embedded database', () => {
  it('refuses with exit 1, naming the process and the fix, and changes nothing', async () => {
    const dataDir = join(folder, 'cli');
    const lockFile = join(dataDir, 'pglite.lock');
    await openDatabase({ DATA_DIR: dataDir, DATABASE_POOL_SIZE: 1 }, log).then((db) => db.close());
    writeFileSync(lockFile, String(alive.pid));
    const { DATABASE_URL: _, ...env } = process.env;
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', 'clients', 'list'], {
      env: { ...env, DATA_DIR: dataDir, LOG_LEVEL: 'info' },
      encoding: 'utf8',
    });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(`npm run once: the embedded database ${dataDir}/pglite is in use by process ${String(alive.pid)}`);
    expect(cli.stderr).not.toContain('failed to start');
    expect(cli.stderr).toContain('Stop that process first');
    expect(cli.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(lockFile, 'utf8')).toBe(String(alive.pid));
  });
});
