import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { median } from './planners';

/**
 * How soon each page is usable, as a person meets it: `npm start` (all in one process, embedded database) in a
 * folder of its own, then Debian's Chromium opening each page ROUNDS times in a fresh context (nothing cached) and
 * waiting for what makes it usable: the landing page's links, the citizen's sign-in button and, after signing in at
 * the demo identity provider, their history; the auditor's sign-in form, after signing in the complaints queue, and
 * the records a search finds; GraphiQL's editor. Wall time from the navigation (or the click) to that element, median and worst of the rounds.
 * `npm run bench:pages`; BENCH_ROUNDS (default 5), BENCH_CITIZENS (default 2000, seeded on start).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CITIZENS = process.env.BENCH_CITIZENS ?? '2000';
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
if (!CHROMIUM) throw new Error("bench:pages needs Debian's chromium (apt-get install -y chromium)");
const VISIBLE = { state: 'visible', timeout: 30_000 } as const;

const dataDir = mkdtempSync(join(tmpdir(), 'once-bench-pages-'));
const ports = { PORT: '0', POPULATION_PORT: '0', RESIDENCE_PORT: '0', PROCEDURES_PORT: '0', AUDIT_PORT: '0', REGISTRY_PORT: '0', DEMO_IDP_PORT: '0' };
const { DATABASE_URL: _, REDIS_URL: __, ...inherited } = process.env;
process.stderr.write(`starting npm start's process with ${CITIZENS} citizens in ${dataDir} ...\n`);
const stack = spawn(process.execPath, ['--import', 'tsx', 'gateway/all-in-one.ts'], {
  env: { ...inherited, ...ports, APOLLO_TELEMETRY_DISABLED: '1', DATA_DIR: dataDir, SEED_CITIZENS: CITIZENS, NODE_ENV: 'development', LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let banner = '';
await new Promise<void>((resolve, reject) => {
  stack.stdout.on('data', (chunk: Buffer) => {
    banner += chunk.toString();
    if (banner.includes("is this process's alone")) resolve();
  });
  stack.once('exit', (code) => reject(new Error(`npm start exited with ${String(code)} before it was ready`)));
});
const origin = new URL(/Once gateway: (\S+)/.exec(banner)?.[1] ?? '').origin;
const auditorKey = /auditor's console: API key (\S+),/.exec(banner)?.[1];
const citizenName = /\(demo identity provider\) as (.+) \(\d+\)/.exec(banner)?.[1];
if (!auditorKey || !citizenName) throw new Error(`npm start's banner names no demo auditor or citizen:\n${banner}`);

const browser: Browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/** Milliseconds from `start` until `ready` resolves. */
async function timed(start: () => Promise<unknown>, ready: () => Promise<unknown>): Promise<number> {
  const begun = performance.now();
  await start();
  await ready();
  return performance.now() - begun;
}

/** Each step of a page: what is timed, in a fresh context per round. */
type Steps = Record<string, (page: Page) => Promise<number>>;

const pages: Record<string, Steps> = {
  landing: {
    'links shown': (page) =>
      timed(
        () => page.goto(`${origin}/`),
        () => page.locator('a[href="/citizen/"]').first().waitFor(VISIBLE),
      ),
  },
  citizen: {
    'sign-in button shown': (page) =>
      timed(
        () => page.goto(`${origin}/citizen/`),
        () => page.getByRole('button', { name: 'Đăng nhập bằng tài khoản định danh' }).waitFor(VISIBLE),
      ),
    'history shown after signing in': async (page) => {
      await page.getByRole('button', { name: 'Đăng nhập bằng tài khoản định danh' }).click();
      const person = page.getByRole('button', { name: new RegExp(citizenName) });
      await person.waitFor(VISIBLE);
      return timed(
        () => person.click(),
        () => page.locator('#events > li').first().waitFor(VISIBLE),
      );
    },
  },
  auditor: {
    'sign-in form shown': (page) =>
      timed(
        () => page.goto(`${origin}/auditor/`),
        () => page.getByLabel('Khoá API').waitFor(VISIBLE),
      ),
    'complaints shown after signing in': async (page) => {
      await page.getByLabel('Khoá API').fill(auditorKey);
      return timed(
        () => page.getByRole('button', { name: /^Đăng nhập/ }).click(),
        () => page.locator('#complaints > li').first().waitFor(VISIBLE),
      );
    },
    'records shown after a search': (page) =>
      timed(
        () => page.getByRole('button', { name: /^Tìm/ }).click(),
        () => page.locator('#records tbody tr').first().waitFor(VISIBLE),
      ),
  },
  graphiql: {
    'editor shown': (page) =>
      timed(
        () => page.goto(`${origin}/graphiql/`),
        () => page.locator('#graphiql .graphiql-container').waitFor(VISIBLE),
      ),
  },
};

const rows: string[] = [];
try {
  for (const [name, steps] of Object.entries(pages)) {
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(steps).map((step) => [step, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      const context = await browser.newContext();
      const page = await context.newPage();
      for (const [step, run] of Object.entries(steps)) times[step]?.push(await run(page));
      await context.close();
    }
    for (const [step, values] of Object.entries(times)) {
      const [middle, worst] = [median(values), Math.max(...values)];
      rows.push(`| ${name} | ${step} | ${middle.toFixed(0)} | ${worst.toFixed(0)} |`);
      process.stderr.write(`${name}: ${step}: median ${middle.toFixed(0)} ms, worst ${worst.toFixed(0)} ms\n`);
    }
  }
} finally {
  await browser.close();
  const exited = new Promise((resolve) => stack.once('exit', resolve));
  stack.kill('SIGTERM');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
}
process.stdout.write(
  `Pages on npm start (embedded database, ${CITIZENS} citizens), Chromium headless, ${ROUNDS} rounds, a fresh context (empty cache) each\n| page | usable when | median ms | worst ms |\n|---|---|---|---|\n${rows.join('\n')}\n`,
);
