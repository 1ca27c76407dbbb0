import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** `npm run registry -- args` as a real process: its exit code and what it printed. */
async function registry(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const { ONCE_GATEWAY: _, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'gateway/registry-cli.ts', ...args], {
      env: { ...inherited, ONCE_API_KEY: 'once_k_s', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let notGraphQL: Server;
let closedPort: number;
beforeAll(async () => {
  notGraphQL = createServer((_, response) => response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not here</h1>'));
  await new Promise<void>((resolve) => notGraphQL.listen(0, '127.0.0.1', resolve));
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
});
afterAll(() => new Promise((resolve) => notGraphQL.close(resolve)));

describe('npm run registry, before any gateway answers', () => {
  it('prints its usage for --help and -h, and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout, stderr } = await registry([flag], {});
      expect(code).toBe(0);
      expect(stdout).toContain('Usage: npm run registry -- <command>');
      expect(stderr).toBe('');
    }
  });

  it('talks to the gateway on PORT by default, and names the URL and the cause when it cannot reach it', async () => {
    const { code, stderr } = await registry(['list'], { PORT: String(closedPort) });
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot reach the gateway at http://127.0.0.1:${closedPort}/graphql: ECONNREFUSED`);
    expect(stderr).toContain('ONCE_GATEWAY');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('says so when ONCE_GATEWAY answers something that is not GraphQL, without echoing the body', async () => {
    const url = `http://127.0.0.1:${(notGraphQL.address() as AddressInfo).port}/nowhere`;
    const { code, stderr } = await registry(['list'], { ONCE_GATEWAY: url });
    expect(code).toBe(1);
    expect(stderr).toContain(`the gateway at ${url} answered HTTP 404 without a GraphQL response`);
    expect(stderr).not.toContain('Not here');
  });

  it('refuses a malformed PORT or ONCE_GATEWAY with a message naming it, not a stack trace', async () => {
    const badPort = await registry(['list'], { PORT: 'forty' });
    expect(badPort.code).toBe(1);
    expect(badPort.stderr).toContain('PORT');
    const badUrl = await registry(['list'], { ONCE_GATEWAY: 'not a url' });
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toContain('cannot reach the gateway at not a url');
    for (const { stderr } of [badPort, badUrl]) expect(stderr).not.toMatch(/\n\s+at /);
  });
});
