import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm start on the embedded database', () => {
  it('holds the database lock while it runs, names it in the banner, and on SIGTERM closes the database and releases the lock', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'once-stack-'));
    const { DATABASE_URL: _, REDIS_URL: __, ...inherited } = process.env;
    const ports = { PORT: '0', POPULATION_PORT: '0', RESIDENCE_PORT: '0', PROCEDURES_PORT: '0', AUDIT_PORT: '0', REGISTRY_PORT: '0', DEMO_IDP_PORT: '0' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/all-in-one.ts'], {
      env: { ...inherited, ...ports, DATA_DIR: dataDir, SEED_CITIZENS: '0', NODE_ENV: 'development', LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => stdout.includes("is this process's alone") && resolve());
      void exited.then((code) => reject(new Error(`npm start exited with ${String(code)}`)));
    });
    const lockFile = join(dataDir, 'pglite.lock');
    expect(readFileSync(lockFile, 'utf8')).toBe(String(child.pid));
    expect(stdout).toContain(`These keys and the citizen token are kept in ${join(dataDir, 'demo-credentials.json')}`);
    expect(stdout).toMatch(/ONCE_API_KEY=once_\S+ npm run registry -- list/);
    // A request it answers is handled after npm start finished starting, signal handlers included.
    const gatewayUrl = /Once gateway: (\S+)/.exec(stdout)?.[1] ?? '';
    expect((await fetch(gatewayUrl.replace('/graphql', '/health'))).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  }, 180_000);
});
