import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reachableCoordinates } from '../../gateway';
import { one } from '../helpers/database';
import { startTestStack, type TestClient, type TestStack } from '../helpers/stack';

const HISTORY = '{ myAccessHistory(first: 5) { events { recordSeq agency byAuditor caseNumber complaintId } } }';
const REPORT = 'mutation ($seq: Int!, $reason: String!) { reportAccess(recordSeq: $seq, reason: $reason) { id recordSeq personalId reason status } }';
const QUEUE =
  'query ($status: ComplaintStatus) { complaints(status: $status) { complaints { id recordSeq personalId status notes { author note } resolution closedBy } } }';
const NOTE = 'mutation ($id: ID!, $note: String!) { noteComplaint(id: $id, note: $note) { status notes { author note } } }';
const CLOSE = 'mutation ($id: ID!, $resolution: String!) { closeComplaint(id: $id, resolution: $resolution) { status resolution closedBy } }';

describe("a citizen's complaint about a read of their data", () => {
  let stack: TestStack;
  let auditor: TestClient;
  let person: string;
  let stranger: string;
  let citizen: (who: string) => Promise<Record<string, string>>;
  let readSeq: number;
  let complaintId: string;

  beforeAll(async () => {
    stack = await startTestStack();
    auditor = await stack.newClient({
      role: 'AUDITOR',
      purpose: 'AUDIT',
      coordinates: reachableCoordinates(stack.apiSchema, ['Query.auditRecords', 'Query.complaints', 'Mutation.noteComplaint', 'Mutation.closeComplaint']),
    });
    person = await one<string>(stack.db, 'SELECT personal_id AS value FROM population.citizens ORDER BY 1 OFFSET 11 LIMIT 1');
    stranger = await one<string>(stack.db, 'SELECT personal_id AS value FROM population.citizens ORDER BY 1 OFFSET 12 LIMIT 1');
    citizen = async (who) => ({ authorization: `Bearer ${await stack.token('citizen', who)}` });
    await stack.graphql('query ($id: ID!) { citizen(personalId: $id) { fullName } }', { id: person }, { ...stack.portal.headers, 'x-once-case': 'HS-2026-77' });
    const history = await stack.graphql(HISTORY, {}, await citizen(person));
    expect(history.data?.myAccessHistory.events[0]).toMatchObject({ agency: 'Test PORTAL', byAuditor: false, caseNumber: 'HS-2026-77' });
    readSeq = history.data?.myAccessHistory.events[0].recordSeq;
  });
  afterAll(() => stack?.stop());

  it('is opened by the citizen, once per read, and the request is in the log about them', async () => {
    const first = await stack.graphql(REPORT, { seq: readSeq, reason: '  I applied for nothing  ' }, await citizen(person));
    expect(first.errors).toBeUndefined();
    expect(first.data?.reportAccess).toMatchObject({ recordSeq: readSeq, personalId: person, reason: 'I applied for nothing', status: 'OPEN' });
    complaintId = first.data?.reportAccess.id;
    const again = await stack.graphql(REPORT, { seq: readSeq, reason: 'again' }, await citizen(person));
    expect(again.data?.reportAccess.id).toBe(complaintId);
    const history = await stack.graphql(HISTORY, {}, await citizen(person));
    expect(history.data?.myAccessHistory.events).toContainEqual(expect.objectContaining({ recordSeq: readSeq, complaintId }));
    const records = await stack.db.query<{ outcome: string; subjects: string[] }>(
      "SELECT outcome, subjects FROM audit.records WHERE principal = 'citizen:' || $1 AND 'Mutation.reportAccess' = ANY(coordinates)",
      [person],
    );
    expect(records).toEqual([
      { outcome: 'OK', subjects: [person] },
      { outcome: 'OK', subjects: [person] },
    ]);
  });

  it("refuses a read of someone else's data, a record that does not exist, and an empty or huge reason", async () => {
    const headers = await citizen(stranger);
    for (const [seq, reason, argument] of [
      [readSeq, 'not mine', 'recordSeq'],
      [99_999_999, 'no such record', 'recordSeq'],
      [readSeq, '   ', 'reason'],
      [readSeq, 'x'.repeat(2001), 'reason'],
    ] as const) {
      const response = await stack.graphql(REPORT, { seq, reason }, headers);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    }
    expect(await one<number>(stack.db, 'SELECT count(*)::int AS value FROM audit.complaints WHERE personal_id = $1', [stranger])).toBe(0);
  });

  it('cannot be opened by a client, nor the queue read by a citizen', async () => {
    const byPortal = await stack.graphql(REPORT, { seq: readSeq, reason: 'x' });
    expect(byPortal.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const queue = await stack.graphql(QUEUE, {}, await citizen(person));
    expect(queue.errors?.[0]?.extensions?.denied).toContain('Query.complaints');
  });

  it('is worked by an auditor: seen in the queue, noted, closed, and then no longer changed', async () => {
    const queue = await stack.graphql(QUEUE, { status: 'OPEN' }, auditor.headers);
    expect(queue.data?.complaints.complaints).toContainEqual(
      expect.objectContaining({ id: complaintId, recordSeq: readSeq, personalId: person, status: 'OPEN' }),
    );
    const noted = await stack.graphql(NOTE, { id: complaintId, note: 'Asked the portal for the dossier' }, auditor.headers);
    expect(noted.data?.noteComplaint).toEqual({
      status: 'OPEN',
      notes: [{ author: `client:${auditor.clientId} (officer-1)`, note: 'Asked the portal for the dossier' }],
    });
    const closed = await stack.graphql(CLOSE, { id: complaintId, resolution: 'The dossier exists; the read was lawful' }, auditor.headers);
    expect(closed.data?.closeComplaint).toEqual({
      status: 'CLOSED',
      resolution: 'The dossier exists; the read was lawful',
      closedBy: `client:${auditor.clientId} (officer-1)`,
    });
    const late = await stack.graphql(NOTE, { id: complaintId, note: 'late' }, auditor.headers);
    expect(late.errors?.[0]).toMatchObject({
      message: `Complaint ${complaintId} is closed; it can no longer be changed`,
      extensions: { code: 'BAD_USER_INPUT' },
    });
    // Each step is a record about the citizen, which they see as an auditor's read.
    const history = await stack.graphql(HISTORY, {}, await citizen(person));
    expect(history.data?.myAccessHistory.events[0]).toMatchObject({ agency: 'Test AUDITOR', byAuditor: true });
  });

  it('answers a malformed or unknown complaint id with BAD_USER_INPUT naming it', async () => {
    for (const [id, message] of [
      ['abc', 'id must be a complaint id (a positive integer); got "abc"'],
      ['-1', 'id must be a complaint id (a positive integer); got "-1"'],
      ['99999999', 'No complaint 99999999'],
    ]) {
      const response = await stack.graphql(NOTE, { id, note: 'n' }, auditor.headers);
      expect(response.errors?.[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', argument: 'id' } });
    }
  });
});
