import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { composeSupergraph } from '../../subgraphs/registry';
import { builtInSubgraphs } from '../../subgraphs';
import { freePort } from '../../deploy';
import { TEST_SECRETS } from '../helpers/database';
import { postGraphQL, startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

describe('gateway workers', () => {
  it('show the whole process tree in one scrape of the primary', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'once-metrics-')), 'supergraph.graphql');
    writeFileSync(file, composeSupergraph(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: stack.subgraphUrls[name] }))));
    const metricsPort = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts', '--supergraph', file, '--workers', '2'], {
      env: {
        ...process.env,
        PORT: '0',
        METRICS_PORT: String(metricsPort),
        LOG_LEVEL: 'info',
        NODE_ENV: 'test',
        DATABASE_URL: inject('databaseUrl'),
        JWKS_FILE: inject('jwksFile'),
        SUBGRAPH_SECRETS: TEST_SECRETS,
      },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const urls = await vi.waitFor(
        () => {
          const ready = stdout
            .split('\n')
            .filter((line) => line.includes('"gateway ready"'))
            .map((line) => (JSON.parse(line) as { url: string }).url);
          expect(ready).toHaveLength(2);
          return ready;
        },
        { timeout: 60_000, interval: 200 },
      );
      for (let index = 0; index < 6; index += 1) {
        const response = await postGraphQL<{ procedures: unknown[] }>(
          urls[0] ?? '',
          { query: 'query Catalogue { procedures { code } }' },
          stack.portal.headers,
        );
        expect(response.data?.procedures.length).toBeGreaterThan(0);
      }
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const count = new RegExp(
        `^once_request_duration_seconds_count\\{service="gateway",operation="Catalogue",outcome="OK",client="${stack.portal.clientId}"\\} (\\d+)$`,
        'm',
      ).exec(text);
      // Six requests, shared by the two workers, are six in the sum.
      expect(Number(count?.[1])).toBe(6);
      expect(text).toMatch(/^once_supergraph_info\{supergraph="[0-9a-f]{12}",version="fixed"\} 1$/m);
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 90_000);
});
