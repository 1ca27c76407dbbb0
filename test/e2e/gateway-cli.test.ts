import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { composeSupergraph } from '../../subgraphs/registry';
import { TEST_SECRETS } from '../helpers/database';
import { postGraphQL, startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
let folder: string;
beforeAll(async () => {
  stack = await startTestStack();
  folder = mkdtempSync(join(tmpdir(), 'once-gateway-'));
});
afterAll(() => stack?.stop());

/** Runs `npm run gateway -- args` as a real process and collects what it prints. */
function runGateway(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts', ...args], {
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      DATABASE_URL: inject('databaseUrl'),
      JWKS_FILE: inject('jwksFile'),
      SUBGRAPH_SECRETS: TEST_SECRETS,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = stdout.split('\n').find((text) => text.includes('"gateway ready"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((code) => reject(new Error(`gateway exited with ${String(code)}: ${stderr}`)));
  });
  // A test that expects the process to fail awaits `exited`, not `ready`.
  ready.catch(() => undefined);
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

describe('gateway process', () => {
  it('serves any supergraph given as a file, and stops cleanly on SIGTERM', async () => {
    const file = join(folder, 'supergraph.graphql');
    writeFileSync(file, composeSupergraph(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: stack.subgraphUrls[name] }))));
    const gateway = runGateway(['--supergraph', file]);
    try {
      const url = await gateway.ready;
      const response = await postGraphQL<{ procedures: unknown[] }>(url, { query: '{ procedures { code } }' }, stack.portal.headers);
      expect(response.data?.procedures.length).toBeGreaterThan(0);
    } finally {
      gateway.child.kill('SIGTERM');
    }
    expect(await gateway.exited).toBe(0);
  });

  it('refuses to start from a file that is not a supergraph, and says why', async () => {
    const file = join(folder, 'broken.graphql');
    writeFileSync(file, 'type Query { broken: String');
    const gateway = runGateway(['--supergraph', file]);
    expect(await gateway.exited).toBe(1);
    expect(gateway.output().stderr).toMatch(/gateway failed to start: Syntax Error/);
  });
});
