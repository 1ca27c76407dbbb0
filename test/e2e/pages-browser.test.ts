import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reachableCoordinates, AUDIT_KEY_PATH, startDemoIdentityProvider, type RunningIdentityProvider } from '../../gateway';
import { ensureSigningKey, inclusionProofProblem, inclusionProofSchema } from '../../subgraphs/audit';
import { one, openTestDatabase, silentLog } from '../helpers/database';
import { startTestStack, type TestClient, type TestStack } from '../helpers/stack';
import { testEnv } from '../helpers/test-env';

/** Debian's Chromium, which `.ci/run` installs when it is absent: without it these tests skip, except in CI. */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
if (!CHROMIUM && testEnv.CI) throw new Error('CI=true but Chromium is not installed (/usr/bin/chromium): .ci/run installs it');
/** Screenshots of every step, kept as test artifacts (git-ignored). */
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'pages');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const CASE = 'HS-2026-0501';
const PHONE = { width: 390, height: 844 };
/** How long to wait for the page to show an answer (a shared, busy machine); no assertion is about time. */
const WAIT = { timeout: 20_000 };

/** WCAG 2.1 A and AA violations axe-core finds on the page as it is now, as `rule: targets` lines. */
async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  await page.evaluate(`${AXE_SOURCE};0`);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(options: object): Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown[] }> }> }> } })
      .axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map(({ id, nodes }) => `${id}: ${nodes.map(({ target }) => target.join(' ')).join(', ')}`);
  });
  return violations;
}

/** Nothing wider than the phone: the page scrolls only vertically. */
async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

describe.skipIf(!CHROMIUM)('the pages, in Chromium', () => {
  let stack: TestStack;
  let provider: RunningIdentityProvider;
  let browser: BrowserContext;
  let profile: string;
  let keyDir: string;
  let auditor: TestClient;
  let origin = '';
  let citizen: { personalId: string; fullName: string };
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const db = openTestDatabase();
    const [row] = await db.query<{ personalId: string; fullName: string }>(
      'SELECT personal_id AS "personalId", full_name AS "fullName" FROM population.citizens ORDER BY 1 OFFSET 21 LIMIT 1',
    );
    await db.close();
    if (!row) throw new Error('no seeded citizen');
    citizen = row;
    provider = await startDemoIdentityProvider({
      citizens: [citizen],
      clientId: 'once-citizen-pages',
      redirectUris: () => [`${origin}/citizen/`],
      host: '127.0.0.1',
      port: 0,
      log: silentLog,
    });
    // Signed checkpoints every 50 ms, so that the read's proof is there when the citizen looks.
    keyDir = mkdtempSync(join(tmpdir(), 'once-pages-audit-'));
    ensureSigningKey(join(keyDir, 'audit.pem'));
    stack = await startTestStack({
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: 'once-citizen-pages',
      CITIZEN_RATE_LIMIT_PER_MINUTE: '0',
      AUDIT_SIGNING_KEY_FILE: join(keyDir, 'audit.pem'),
      AUDIT_CHECKPOINT_MS: '50',
    });
    origin = new URL(stack.gatewayUrl).origin;
    auditor = await stack.newClient({
      role: 'AUDITOR',
      purpose: 'AUDIT',
      coordinates: reachableCoordinates(stack.apiSchema, [
        'Query.auditRecords',
        'Query.verifyAuditLog',
        'Query.complaints',
        'Mutation.noteComplaint',
        'Mutation.closeComplaint',
      ]),
    });
    profile = mkdtempSync(join(tmpdir(), 'once-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    browser.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${message.text().slice(0, 300)} (${message.location().url})`);
    });
    browser.on('weberror', (error) => problems.push(error.error().message));
  });

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    await stack?.stop();
    await provider?.stop();
  });

  it("a portal's read is seen by the citizen, reported, and found, verified and exported by an auditor", async () => {
    const read = await stack.graphql(
      'query ($id: ID!) { citizen(personalId: $id) { fullName dateOfBirth } }',
      { id: citizen.personalId },
      { ...stack.portal.headers, 'x-once-case': CASE },
    );
    expect(read.errors).toBeUndefined();
    const covered =
      'SELECT (SELECT coalesce(max(tree_size), 0) FROM audit.checkpoints) >= (SELECT max(seq) FROM audit.records WHERE case_number = $1) AS value';
    await expect.poll(() => one<boolean | null>(stack.db, covered, [CASE]), WAIT).toBe(true);

    // The citizen signs in at the identity provider and comes back to their tracker.
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.goto(`${origin}/citizen/`);
    await page.getByRole('button', { name: 'Đăng nhập bằng tài khoản định danh' }).click();
    await page.getByRole('button', { name: new RegExp(citizen.fullName) }).click();
    const card = page.locator('li.card', { hasText: CASE });
    await expect.poll(() => card.count(), WAIT).toBe(1);
    const text = await card.innerText();
    expect(text).toContain('Test PORTAL');
    expect(text).toContain('Tuyển sinh vào lớp 1 (1.900011)');
    expect(text).toContain('Ngày sinh');
    expect(text).not.toContain('Citizen.dateOfBirth');
    expect(await page.locator('main').innerText()).not.toMatch(/\b(null|undefined)\b/);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'citizen.png'), fullPage: true });

    // They download the proof that the read is in the signed log, and check it offline against the served key.
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Tải bằng chứng ghi nhận (proof.json)' }).click()]);
    expect(download.suggestedFilename()).toBe('proof.json');
    const proof = inclusionProofSchema.parse(JSON.parse(readFileSync(await download.path(), 'utf8')));
    const served = (await (await fetch(new URL(AUDIT_KEY_PATH, stack.gatewayUrl))).json()) as { pem: string };
    const publicKey = createPublicKey(served.pem);
    expect(proof.record.caseNumber).toBe(CASE);
    expect(proof.record.subjects).toContain(citizen.personalId);
    expect(inclusionProofProblem(proof, publicKey)).toBeNull();
    expect(inclusionProofProblem({ ...proof, record: { ...proof.record, caseNumber: 'HS-2026-9999' } }, publicKey)).toMatch(/is not in the tree/);

    // The filters are applied by the gateway: one agency, then a window with no reads, then one it refuses.
    const asked = (variable: string) =>
      page.waitForResponse((response) => response.url().endsWith('/graphql') && (response.request().postData() ?? '').includes(variable));
    await Promise.all([asked(`"agency":"${stack.portal.clientId}"`), page.getByLabel('Cơ quan').selectOption(stack.portal.clientId)]);
    await expect.poll(() => card.count(), WAIT).toBe(1);
    const tomorrow = new Date(Date.now() + 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' });
    await Promise.all([asked('"from":"'), page.getByLabel('Từ ngày').fill(tomorrow)]);
    await expect.poll(() => page.locator('#events').innerText(), WAIT).toContain('Không có lượt đọc nào khớp bộ lọc.');
    await page.getByLabel('Đến ngày').fill('2020-01-01');
    await expect.poll(() => page.locator('#filter-status').innerText(), WAIT).toContain('to must be later than from');
    await page.getByLabel('Từ ngày').fill('');
    await page.getByLabel('Đến ngày').fill('');
    await page.getByLabel('Cơ quan').selectOption('');
    await expect.poll(() => card.count(), WAIT).toBe(1);
    expect(await page.locator('#filter-status').isHidden()).toBe(true);

    // In English too, and at phone width.
    await page.getByRole('button', { name: 'English' }).click();
    expect(await card.innerText()).toContain('Date of birth');
    expect(await card.innerText()).toContain('Download the proof it is logged (proof.json)');
    await page.getByRole('button', { name: 'Tiếng Việt' }).click();
    await page.setViewportSize(PHONE);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'citizen-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1100, height: 900 });

    // They object to the read.
    await card.getByRole('button', { name: 'Báo cáo lượt đọc này' }).click();
    await card.getByLabel('Lý do bạn phản đối').fill('Tôi không nộp hồ sơ này');
    await card.getByRole('button', { name: 'Gửi khiếu nại' }).click();
    await expect.poll(() => page.locator('li.card', { hasText: CASE }).getByRole('status').innerText(), WAIT).toMatch(/^Đã gửi khiếu nại số \d+/);
    const complaintId = await one<string>(stack.db, "SELECT id::text AS value FROM audit.complaints WHERE personal_id = $1 AND status = 'OPEN'", [
      citizen.personalId,
    ]);

    // An auditor signs in with the audit client's API key and finds the complaint.
    const console = await browser.newPage();
    await console.setViewportSize({ width: 1100, height: 900 });
    await console.goto(`${origin}/auditor/`);
    expect(await accessibilityViolations(console)).toEqual([]);
    await console.getByLabel('Khoá API').fill(auditor.apiKey);
    await console.getByRole('button', { name: /^Đăng nhập/ }).click();
    const complaint = console.locator('li.card', { hasText: `Khiếu nại ${complaintId}` });
    await expect.poll(() => complaint.count(), WAIT).toBe(1);
    expect(await complaint.innerText()).toContain('Tôi không nộp hồ sơ này');

    // ... opens the record it is about ...
    await complaint.getByRole('button', { name: /Xem bản ghi/ }).click();
    const record = console.locator('#record');
    await expect.poll(() => record.innerText(), WAIT).toContain(CASE);
    expect(await record.innerText()).toContain(`client:${stack.portal.clientId}`);

    // ... verifies the log, in ranges, seeing how far it is (refused requests make the log long enough for several) ...
    for (let batch = 0; batch < 10; batch += 1) await Promise.all(Array.from({ length: 25 }, () => fetch(`${origin}/no-such-page`)));
    await console.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { verifySteps: string[] }).verifySteps = seen;
      const status = document.getElementById('verify-status') as HTMLElement;
      new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
    });
    await console.getByRole('button', { name: /^Kiểm tra nhật ký/ }).click();
    await expect.poll(() => console.locator('#verify-status').innerText(), WAIT).toMatch(/^Nhật ký toàn vẹn: đã kiểm tra \d+ bản ghi/);
    const shown = await console.evaluate(() => (window as unknown as { verifySteps: string[] }).verifySteps);
    const progress = shown
      .map((step) => /Đang kiểm tra… (\d+) \/ (\d+) bản ghi/.exec(step))
      .filter((match) => match !== null)
      .map((match) => [Number(match[1]), Number(match[2])] as const);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.some(([checked, total]) => checked > 0 && checked < total)).toBe(true);
    const intact = Number(/đã kiểm tra (\d+) bản ghi/.exec(await console.locator('#verify-status').innerText())?.[1]);
    expect(intact).toBeGreaterThanOrEqual(250);

    // ... exports the citizen's records as CSV and NDJSON, streamed by the gateway and audited ...
    const [csv, streamed] = await Promise.all([
      console.waitForEvent('download'),
      console.waitForResponse((response) => response.url().includes('/audit/export?format=csv')),
      console.getByRole('button', { name: /Xuất CSV/ }).click(),
    ]);
    expect(streamed.status()).toBe(200);
    const csvText = readFileSync(await csv.path(), 'utf8');
    expect(csvText.split('\r\n')[0]).toMatch(/^seq,requestId,at,principal,clientId,officer,purpose,caseNumber,/);
    expect(csvText).toContain(`,${CASE},`);
    const [ndjson] = await Promise.all([console.waitForEvent('download'), console.getByRole('button', { name: /Xuất NDJSON/ }).click()]);
    const lines = readFileSync(await ndjson.path(), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { caseNumber: string | null; subjects: string[] });
    expect(lines.some((line) => line.caseNumber === CASE)).toBe(true);
    expect(lines.every((line) => line.subjects.includes(citizen.personalId))).toBe(true);
    const exports = await stack.db.query<{ subjects: string[] }>(
      "SELECT subjects FROM audit.records WHERE client_id = $1 AND operation_name = 'auditExport' AND outcome = 'OK'",
      [auditor.clientId],
    );
    expect(exports).toEqual([{ subjects: [citizen.personalId] }, { subjects: [citizen.personalId] }]);
    await console.screenshot({ path: join(ARTIFACTS, 'auditor.png'), fullPage: true });

    // A range that finds a problem ends the check, and the page names it (here the answer is doctored in the browser).
    await console.route('**/graphql', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { data?: { verifyAuditLog?: Record<string, unknown> } };
      if (body.data?.verifyAuditLog && route.request().postDataJSON().variables.fromSeq !== null) {
        Object.assign(body.data.verifyAuditLog, {
          ok: false,
          firstBroken: { seq: 7, kind: 'DELETED', reason: 'record 7 is missing: the chain jumps to 8' },
          forks: [{ treeSize: 6, rootHashes: ['aa', 'bb'] }],
        });
      }
      await route.fulfill({ response, json: body });
    });
    await console.getByRole('button', { name: /^Kiểm tra nhật ký/ }).click();
    await expect.poll(() => console.locator('#verify-status').innerText(), WAIT).toContain('Nhật ký bị sửa tại bản ghi 7 (DELETED)');
    expect(await console.locator('#verify-status').innerText()).toContain('record 7 is missing: the chain jumps to 8');
    expect(await console.locator('#verify-status').innerText()).toContain('FORK');
    await console.unroute('**/graphql');

    // ... and works the complaint: a note, then closed; each step is an audited request.
    await complaint.getByLabel(/^Ghi chú/).fill('Đã yêu cầu cổng giải trình');
    await complaint.getByRole('button', { name: /Thêm ghi chú/ }).click();
    await expect.poll(() => console.locator('li.card', { hasText: `Khiếu nại ${complaintId}` }).innerText(), WAIT).toContain('Đã yêu cầu cổng giải trình');
    await console
      .locator('li.card', { hasText: `Khiếu nại ${complaintId}` })
      .getByLabel(/^Kết luận/)
      .fill('Hồ sơ có thật; việc đọc hợp pháp');
    await console
      .locator('li.card', { hasText: `Khiếu nại ${complaintId}` })
      .getByRole('button', { name: /Đóng khiếu nại/ })
      .click();
    // The page shows the answer only after the gateway committed the request's audit record.
    await expect
      .poll(() => console.locator('li.card', { hasText: `Khiếu nại ${complaintId}` }).innerText(), WAIT)
      .toContain('Kết luận: Hồ sơ có thật; việc đọc hợp pháp');
    expect(await one<string>(stack.db, 'SELECT status AS value FROM audit.complaints WHERE id = $1', [Number(complaintId)])).toBe('CLOSED');
    const steps = await stack.db.query<{ coordinate: string }>(
      `SELECT c AS coordinate FROM audit.records, unnest(coordinates) c WHERE client_id = $1 AND outcome = 'OK' AND c LIKE 'Mutation.%' ORDER BY seq`,
      [auditor.clientId],
    );
    expect(steps.map(({ coordinate }) => coordinate)).toEqual(['Mutation.noteComplaint', 'Mutation.closeComplaint']);
    await console.setViewportSize(PHONE);
    expect(await horizontalOverflow(console)).toBeLessThanOrEqual(0);
    await console.screenshot({ path: join(ARTIFACTS, 'auditor-phone.png'), fullPage: true });

    // The citizen now sees the auditor's reads of their data too, and their complaint beside the read.
    await page.reload();
    await expect.poll(() => page.locator('li.card.auditor').count(), WAIT).toBeGreaterThan(0);
    expect(await page.locator('li.card', { hasText: CASE }).innerText()).toContain(`Đã gửi khiếu nại số ${complaintId}`);
    await page.screenshot({ path: join(ARTIFACTS, 'citizen-after-audit.png'), fullPage: true });

    // A read no checkpoint covers yet has a null proof: its card says when the proof comes, and offers no download.
    await page.route('**/graphql', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { data?: { myAccessHistory?: { events: Array<{ proof: unknown }> } } };
      for (const event of body.data?.myAccessHistory?.events ?? []) event.proof = null;
      await route.fulfill({ response, json: body });
    });
    await page.reload();
    const pending = page.locator('li.card', { hasText: CASE });
    await expect.poll(() => pending.innerText(), WAIT).toContain('Bằng chứng ghi nhận sẽ có khi nhật ký được ký xác nhận lần tới');
    expect(await page.getByRole('button', { name: /proof\.json/ }).count()).toBe(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.unroute('**/graphql');
    await page.goto(`${origin}/`);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'index.png') });

    // The Content-Security-Policy held without breaking anything: no script error, no refused resource.
    expect(problems).toEqual([]);
  }, 120_000);

  it("GraphiQL runs a developer's query with their credentials and purpose DEVELOPMENT, audited like any request", async () => {
    const developer = await stack.newClient({
      role: 'PORTAL',
      purpose: 'DEVELOPMENT',
      coordinates: ['Query.citizen', 'Citizen.fullName'],
      mayIntrospect: true,
    });
    const page = await browser.newPage();
    const before = problems.length;
    await page.setViewportSize({ width: 1200, height: 800 });
    await page.goto(`${origin}/graphiql/`);
    const headers = JSON.stringify({ 'x-api-key': developer.apiKey, 'x-once-officer': 'dev-01', 'x-once-purpose': 'DEVELOPMENT', 'x-once-case': 'DEV-2026-7' });
    // The editors are CodeMirror: select all, then insert the text as typed (without auto-closed brackets).
    const replaceText = async (editor: string, text: string) => {
      await page.locator(editor).first().click();
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText(text);
    };
    await replaceText('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror', headers);
    await replaceText('.graphiql-query-editor .CodeMirror', `{ citizen(personalId: "${citizen.personalId}") { fullName } }`);
    await page.getByRole('button', { name: /Execute query/ }).click();
    await expect.poll(() => page.locator('.graphiql-response').innerText(), WAIT).toContain(citizen.fullName);
    const [record] = await stack.db.query<{ purpose: string; caseNumber: string; officer: string }>(
      "SELECT purpose, case_number AS \"caseNumber\", officer FROM audit.records WHERE client_id = $1 AND outcome = 'OK' AND 'Query.citizen' = ANY(coordinates)",
      [developer.clientId],
    );
    expect(record).toEqual({ purpose: 'DEVELOPMENT', caseNumber: 'DEV-2026-7', officer: 'dev-01' });
    await page.screenshot({ path: join(ARTIFACTS, 'graphiql.png') });
    // GraphiQL asks for the schema as it opens, with the placeholder headers: refused (401) like any request without
    // credentials. Nothing else may go wrong.
    expect(problems.slice(before).filter((problem) => !problem.startsWith('Failed to load resource: the server responded with a status of 401'))).toEqual([]);
  }, 60_000);
});
