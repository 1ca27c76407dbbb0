import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_EXPORT_PATH, reachableCoordinates } from '../../gateway';
import { EXPORT_COLUMNS } from '../../subgraphs/audit';
import { one } from '../helpers/database';
import { AGENCY_ROOTS, startTestStack, type GraphQLResponse, type TestClient, type TestStack } from '../helpers/stack';

const HISTORY = `query ($first: Int, $after: String, $agency: ID, $from: DateTime, $to: DateTime) {
  myAccessHistory(first: $first, after: $after, agency: $agency, from: $from, to: $to) { events { recordSeq agency caseNumber } nextCursor agencies { id name } } }`;
const READ = 'query ($id: ID!) { citizen(personalId: $id) { fullName } }';

describe("the auditors' export, streamed by the gateway", () => {
  let stack: TestStack;
  let auditor: TestClient;
  let person: string;

  /** GET /audit/export with the query string `params`, as `headers` (the auditor's by default). */
  function exportAudit(params: Record<string, string>, headers: Record<string, string> = auditor.headers, method = 'GET') {
    return fetch(new URL(`${AUDIT_EXPORT_PATH}?${new URLSearchParams(params)}`, stack.gatewayUrl), { method, headers });
  }

  beforeAll(async () => {
    stack = await startTestStack();
    auditor = await stack.newClient({ role: 'AUDITOR', purpose: 'AUDIT', coordinates: reachableCoordinates(stack.apiSchema, ['Query.auditRecords']) });
    person = await one<string>(stack.db, 'SELECT personal_id AS value FROM population.citizens ORDER BY 1 OFFSET 33 LIMIT 1');
    for (const caseNumber of ['HS-EXPORT-1', 'HS-EXPORT-2', 'HS-EXPORT-3'])
      await stack.graphql(READ, { id: person }, { ...stack.portal.headers, 'x-once-case': caseNumber });
  });
  afterAll(() => stack?.stop());

  it('streams every record the filter finds as CSV and NDJSON, the columns of AuditRecord only, and records the export about the citizen', async () => {
    const csv = await exportAudit({ format: 'csv', subject: person });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="audit-records.csv"');
    const rows = (await csv.text()).split('\r\n');
    expect(rows[0]).toBe(EXPORT_COLUMNS.join(','));
    expect(rows.at(-1)).toBe('');
    // The export's own record is committed before its first line: it is the newest record about the citizen.
    const expected = await stack.db.query<{ seq: string }>('SELECT seq::text AS seq FROM audit.records r WHERE $1 = ANY(subjects) ORDER BY r.seq DESC', [
      person,
    ]);
    expect(rows[1]).toMatch(new RegExp(`^\\d+,[^,]+,[^,]+,client:${auditor.clientId},`));
    expect(rows.slice(1, -1).map((row) => row.split(',')[0])).toEqual(expected.map(({ seq }) => seq));

    const ndjson = await exportAudit({ format: 'ndjson', subject: person, outcome: 'OK', clientId: stack.portal.clientId });
    expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const records = (await ndjson.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((record) => record.caseNumber)).toEqual(['HS-EXPORT-3', 'HS-EXPORT-2', 'HS-EXPORT-1']);
    for (const record of records) expect(Object.keys(record)).toEqual([...EXPORT_COLUMNS]);

    const audited = await stack.db.query<{ outcome: string; subjects: string[]; coordinates: string[]; purpose: string }>(
      "SELECT outcome, subjects, coordinates, purpose FROM audit.records WHERE client_id = $1 AND operation_name = 'auditExport' ORDER BY seq",
      [auditor.clientId],
    );
    expect(audited).toHaveLength(2);
    expect(audited[0]).toMatchObject({ outcome: 'OK', subjects: [person], purpose: 'AUDIT' });
    expect(audited[0]?.coordinates).toContain('Query.auditRecords');
    expect(audited[0]?.coordinates).toContain('AuditRecord.subjects');
    // The auditor's export is a read about the citizen, in their own history.
    const history = await stack.graphql(HISTORY, { first: 1 }, { authorization: `Bearer ${await stack.token('citizen', person)}` });
    expect(history.data?.myAccessHistory.events[0]).toMatchObject({ caseNumber: auditor.headers['x-once-case'] });
  });

  it('refuses bad filters and formats as BAD_USER_INPUT naming the parameter, each refusal in the log as INVALID', async () => {
    const cases: Array<[Record<string, string> | string, string]> = [
      [{}, 'format'],
      [{ format: 'xml' }, 'format'],
      [{ format: 'csv', from: 'yesterday' }, 'from'],
      [{ format: 'csv', to: "2026-01-01'; DROP TABLE audit.records; --" }, 'to'],
      [{ format: 'csv', from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' }, 'to'],
      [{ format: 'csv', subject: '\u0000' }, 'subject'],
      [{ format: 'csv', outcome: 'MAYBE' }, 'outcome'],
      [{ format: 'csv', clientId: 'x'.repeat(3000) }, 'clientId'],
      [{ format: 'csv', limit: '10' }, 'limit'],
      ['format=csv&format=ndjson', 'format'],
    ];
    const before = await one<number>(
      stack.db,
      "SELECT count(*)::int AS value FROM audit.records WHERE client_id = $1 AND operation_name = 'auditExport' AND outcome = 'INVALID'",
      [auditor.clientId],
    );
    for (const [params, argument] of cases) {
      const query = typeof params === 'string' ? params : new URLSearchParams(params).toString();
      const response = await fetch(new URL(`${AUDIT_EXPORT_PATH}?${query}`, stack.gatewayUrl), { headers: auditor.headers });
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string; argument: string } }> };
      expect(body.errors[0]?.extensions, query).toEqual({ code: 'BAD_USER_INPUT', argument });
      expect(body.errors[0]?.message).not.toMatch(/\n\s+at /);
    }
    expect(
      await one<number>(
        stack.db,
        "SELECT count(*)::int AS value FROM audit.records WHERE client_id = $1 AND operation_name = 'auditExport' AND outcome = 'INVALID'",
        [auditor.clientId],
      ),
    ).toBe(before + cases.length);
  });

  it('refuses callers without credentials, a portal not granted the log, a citizen and other methods, each recorded', async () => {
    const anonymous = await exportAudit({ format: 'csv' }, {});
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');

    const portal = await exportAudit({ format: 'csv', subject: person }, stack.portal.headers);
    expect(portal.status).toBe(403);
    expect(((await portal.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('FORBIDDEN');
    const denied = await stack.db.query<{ subjects: string[] }>(
      "SELECT subjects FROM audit.records WHERE client_id = $1 AND operation_name = 'auditExport' AND outcome = 'DENIED'",
      [stack.portal.clientId],
    );
    expect(denied).toEqual([{ subjects: [person] }]);

    const citizen = await exportAudit({ format: 'csv' }, { authorization: `Bearer ${await stack.token('citizen', person)}` });
    expect(citizen.status).toBe(403);

    const post = await exportAudit({ format: 'csv' }, auditor.headers, 'POST');
    expect(post.status).toBe(405);
    const noPurpose = await exportAudit({ format: 'csv' }, { 'x-api-key': auditor.apiKey });
    expect(((await noPurpose.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe('PURPOSE_REQUIRED');
    expect(
      await one<number>(
        stack.db,
        "SELECT count(*)::int AS value FROM audit.records WHERE client_id = $1 AND outcome = 'INVALID' AND 'BAD_REQUEST' = ANY(error_codes)",
        [auditor.clientId],
      ),
    ).toBeGreaterThanOrEqual(1);
  });
});

describe("a citizen's history, filtered by the server", () => {
  let stack: TestStack;
  let person: string;
  let other: TestClient;
  let citizen: Record<string, string>;
  let between: string;

  beforeAll(async () => {
    stack = await startTestStack();
    // A citizen whose history only this test writes: nobody has read them yet, and (where there is one) no household
    // shares them with the people other tests read.
    person = await one<string>(
      stack.db,
      `SELECT c.personal_id AS value FROM population.citizens c
        WHERE NOT EXISTS (SELECT 1 FROM audit.records r WHERE r.subjects @> ARRAY[c.personal_id])
        ORDER BY EXISTS (SELECT 1 FROM residence.household_members m WHERE m.personal_id = c.personal_id), md5(c.personal_id || 'history filters') LIMIT 1`,
    );
    other = await stack.newClient({ coordinates: reachableCoordinates(stack.apiSchema, AGENCY_ROOTS) });
    citizen = { authorization: `Bearer ${await stack.token('citizen', person)}` };
    await stack.graphql(READ, { id: person }, { ...stack.portal.headers, 'x-once-case': 'HS-FILTER-1' });
    await stack.graphql(READ, { id: person }, { ...stack.portal.headers, 'x-once-case': 'HS-FILTER-2' });
    between = await one<string>(stack.db, 'SELECT to_char(now() AT TIME ZONE \'UTC\', \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\') AS value');
    await stack.graphql(READ, { id: person }, { ...other.headers, 'x-once-case': 'HS-FILTER-3' });
  });
  afterAll(() => stack?.stop());

  const cases = (response: GraphQLResponse) => response.data?.myAccessHistory.events.map((event: { caseNumber: string }) => event.caseNumber);

  it('narrows to one agency and a time window, lists the agencies, and pages with the filter', async () => {
    const all = await stack.graphql(HISTORY, {}, citizen);
    expect(cases(all)).toEqual(['HS-FILTER-3', 'HS-FILTER-2', 'HS-FILTER-1']);
    expect(all.data?.myAccessHistory.agencies.map((agency: { id: string }) => agency.id).sort()).toEqual([stack.portal.clientId, other.clientId].sort());
    expect(cases(await stack.graphql(HISTORY, { agency: other.clientId }, citizen))).toEqual(['HS-FILTER-3']);
    expect(cases(await stack.graphql(HISTORY, { from: between }, citizen))).toEqual(['HS-FILTER-3']);
    expect(cases(await stack.graphql(HISTORY, { to: between }, citizen))).toEqual(['HS-FILTER-2', 'HS-FILTER-1']);
    expect(cases(await stack.graphql(HISTORY, { agency: other.clientId, to: between }, citizen))).toEqual([]);

    const first = await stack.graphql(HISTORY, { first: 1, agency: stack.portal.clientId }, citizen);
    expect(cases(first)).toEqual(['HS-FILTER-2']);
    const second = await stack.graphql(HISTORY, { first: 1, agency: stack.portal.clientId, after: first.data?.myAccessHistory.nextCursor }, citizen);
    expect(cases(second)).toEqual(['HS-FILTER-1']);
  });

  it('refuses an unknown agency, a malformed date and an empty window as BAD_USER_INPUT naming the argument', async () => {
    const unknown = await stack.graphql(HISTORY, { agency: 'no-such-agency' }, citizen);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'agency' });
    const window = await stack.graphql(HISTORY, { from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' }, citizen);
    expect(window.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'to' });
    for (const from of ['yesterday', '2026-13-45', "'; DROP TABLE audit.records; --"]) {
      const bad = await stack.graphql(HISTORY, { from }, citizen);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(bad.errors?.[0]?.message).toContain('$from');
    }
  });
});
