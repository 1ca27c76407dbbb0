import { spawnSync } from 'node:child_process';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAuditWriter, type AuditEntry, verifyChain, ensureSigningKey, inclusionProofProblem, inclusionProofSchema } from '../../subgraphs/audit';
import { gatewayMigrations, reachableCoordinates } from '../../gateway';
import { migrate } from '../../platform';
import { one, scratchDatabase, silentLog } from '../helpers/database';
import { startTestStack, type TestClient, type TestStack } from '../helpers/stack';

/** Verification of the hash chain alone, as without an audit key. */
const CHAIN_ONLY = { publicKey: null, witnesses: [] };

function entry(index: number): AuditEntry {
  return {
    requestId: `r-${index}`,
    at: new Date(Date.UTC(2026, 10, 25, 10, 0, index)).toISOString(),
    principal: 'client:test',
    clientId: 'test',
    officer: 'o',
    purpose: '1.900011',
    caseNumber: 'c',
    operationName: null,
    operationHash: null,
    coordinates: ['Query.citizen'],
    subjects: ['001090123456'],
    outcome: 'OK',
    errorCodes: [],
    subgraphs: ['population'],
    durationMs: index,
    // Every other record says what its plan sent, so that the chain is verified over records with and without.
    sentToSubgraphs: index % 2 === 0 ? [] : ['residence:Citizen.personalId'],
  };
}

describe('the hash chain, on a database of its own', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  beforeAll(async () => {
    scratch = await scratchDatabase();
    for (const set of gatewayMigrations) await migrate(scratch.db, set.name, set.migrations);
    // Two gateway replicas taking turns: each finds the other has appended since its own last group.
    const writers = [0, 1].map(() => createAuditWriter({ db: scratch.db, flushMs: 2, maxBatch: 3, log: silentLog }));
    for (let round = 0; round < 4; round += 1) {
      const writer = writers[round % 2];
      if (!writer) throw new Error('two writers');
      await Promise.all(Array.from({ length: 5 }, (_, index) => writer.append(entry(round * 5 + index))));
    }
    for (const writer of writers) await writer.close();
  });
  afterAll(() => scratch?.drop());

  /** What an attacker with the database owner's rights can do: switch the append-only triggers off for a session. */
  const tamper = (sql: string) =>
    scratch.db.transaction(async (tx) => {
      await tx.exec('SET LOCAL session_replication_role = replica');
      await tx.exec(sql);
    });

  it('chains 20 records written in groups by two replicas in turn, in order, without a gap', async () => {
    expect(await verifyChain(scratch.db, CHAIN_ONLY)).toMatchObject({ ok: true, checked: 20, firstBroken: null });
    expect(await scratch.db.query('SELECT seq FROM audit.records ORDER BY seq')).toEqual(Array.from({ length: 20 }, (_, index) => ({ seq: index + 1 })));
  });

  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(scratch.db.query("UPDATE audit.records SET officer = 'x' WHERE seq = 1")).rejects.toThrow(/append-only: UPDATE is refused/);
    await expect(scratch.db.query('DELETE FROM audit.records WHERE seq = 1')).rejects.toThrow(/append-only: DELETE is refused/);
    await expect(scratch.db.query('TRUNCATE audit.records')).rejects.toThrow(/append-only: TRUNCATE is refused/);
  });

  it('finds an edited record', async () => {
    await tamper("UPDATE audit.records SET officer = 'someone else' WHERE seq = 5");
    expect(await verifyChain(scratch.db, CHAIN_ONLY)).toMatchObject({
      ok: false,
      firstBroken: { seq: 5, reason: 'its content does not match its hash: the record was altered' },
    });
    await tamper("UPDATE audit.records SET officer = 'o' WHERE seq = 5");
    expect((await verifyChain(scratch.db, CHAIN_ONLY)).ok).toBe(true);
  });

  it('finds a deleted record', async () => {
    const [saved] = await scratch.db.query<Record<string, unknown>>('SELECT * FROM audit.records WHERE seq = 7');
    await tamper('DELETE FROM audit.records WHERE seq = 7');
    expect(await verifyChain(scratch.db, CHAIN_ONLY)).toMatchObject({
      ok: false,
      firstBroken: { seq: 7, reason: 'record 7 is missing: the chain jumps to 8' },
    });
    await scratch.db.transaction(async (tx) => {
      await tx.query('INSERT INTO audit.records SELECT * FROM json_populate_record(NULL::audit.records, $1::json)', [JSON.stringify(saved)]);
    });
    expect((await verifyChain(scratch.db, CHAIN_ONLY)).ok).toBe(true);
  });

  it('finds reordered records, and checks a range from its predecessor', async () => {
    await tamper(`UPDATE audit.records r SET request_id = o.request_id, duration_ms = o.duration_ms, at = o.at, previous_hash = o.previous_hash, hash = o.hash
      FROM audit.records o WHERE (r.seq, o.seq) IN ((3, 4), (4, 3))`);
    expect(await verifyChain(scratch.db, CHAIN_ONLY)).toMatchObject({ ok: false, firstBroken: { seq: 3 } });
    expect(await verifyChain(scratch.db, { ...CHAIN_ONLY, fromSeq: 10, toSeq: 15 })).toMatchObject({ ok: true, checked: 6, firstBroken: null });
  });
});

/** A TCP relay to PostgreSQL that a test can cut, as if the audit database went away. */
async function cuttableRelay(): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const target = new URL(inject('databaseUrl'));
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  const cut = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}

describe('the audit log behind the gateway', () => {
  let stack: TestStack;
  let relay: Awaited<ReturnType<typeof cuttableRelay>>;
  let auditor: TestClient;
  let subject: string;
  let keyDir: string;
  const NAME = 'query ($id: ID!) { citizen(personalId: $id) { fullName } }';

  beforeAll(async () => {
    relay = await cuttableRelay();
    const auditUrl = new URL(inject('databaseUrl'));
    auditUrl.host = `127.0.0.1:${relay.port}`;
    keyDir = mkdtempSync(join(tmpdir(), 'once-audit-key-'));
    ensureSigningKey(join(keyDir, 'audit.pem'));
    stack = await startTestStack({
      AUDIT_DATABASE_URL: auditUrl.toString(),
      AUDIT_SIGNING_KEY_FILE: join(keyDir, 'audit.pem'),
      AUDIT_WITNESS_FILE: join(keyDir, 'witness.jsonl'),
      AUDIT_CHECKPOINT_MS: '50',
    });
    auditor = await stack.newClient({
      role: 'AUDITOR',
      purpose: 'AUDIT',
      coordinates: reachableCoordinates(stack.apiSchema, ['Query.auditRecords', 'Query.verifyAuditLog']),
    });
    subject = await one(stack.db, 'SELECT personal_id AS value FROM population.citizens ORDER BY 1 LIMIT 1');
  });
  afterAll(async () => {
    await stack?.stop();
    await relay?.close();
  });

  it('writes exactly one record per request for 1,000 concurrent requests, in a valid chain', async () => {
    const client = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName'] });
    const responses = await Promise.all(Array.from({ length: 1_000 }, () => stack.graphql(NAME, { id: subject }, client.headers)));
    expect(responses.filter((response) => response.status === 200 && response.data?.citizen)).toHaveLength(1_000);
    const [row] = await stack.db.query<{ count: number; requests: number }>(
      'SELECT count(*)::int AS count, count(DISTINCT request_id)::int AS requests FROM audit.records WHERE client_id = $1',
      [client.clientId],
    );
    expect(row).toEqual({ count: 1_000, requests: 1_000 });
    expect((await verifyChain(stack.db, CHAIN_ONLY)).ok).toBe(true);
  });

  it('returns no data when the audit store is gone, and serves again once it is back', async () => {
    const client = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName'] });
    expect((await stack.graphql(NAME, { id: subject }, client.headers)).data?.citizen).toBeTruthy();
    await relay.cut();
    const refused = await stack.graphql(NAME, { id: subject }, client.headers);
    expect(refused.status).toBe(503);
    expect(refused.data).toBeUndefined();
    expect(refused.errors).toEqual([
      { message: 'The audit log cannot record this request, so no data is returned; retry later', extensions: { code: 'AUDIT_UNAVAILABLE' } },
    ]);
    await relay.restore();
    const back = await stack.graphql(NAME, { id: subject }, client.headers);
    expect(back.data?.citizen).toBeTruthy();
    const outcomes = await stack.db.query<{ outcome: string }>('SELECT outcome FROM audit.records WHERE client_id = $1 ORDER BY seq', [client.clientId]);
    expect(outcomes).toEqual([{ outcome: 'OK' }, { outcome: 'OK' }]);
  });

  it('lets an auditor filter and page through the log, verify it, and audits the auditor', async () => {
    const client = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName'] });
    for (let index = 0; index < 3; index += 1) await stack.graphql(NAME, { id: subject }, client.headers);
    const page = async (after?: string) =>
      stack.graphql<{ auditRecords: { records: Array<{ seq: number; clientId: string; subjects: string[]; outcome: string }>; nextCursor: string | null } }>(
        'query ($client: ID!, $after: String) { auditRecords(filter: { clientId: $client, outcome: OK }, first: 2, after: $after) { records { seq clientId subjects outcome } nextCursor } }',
        { client: client.clientId, ...(after ? { after } : {}) },
        auditor.headers,
      );
    const first = await page();
    expect(first.errors).toBeUndefined();
    expect(first.data?.auditRecords.records).toHaveLength(2);
    const second = await page(first.data?.auditRecords.nextCursor ?? undefined);
    expect(second.data?.auditRecords.records).toHaveLength(1);
    const seqs = [...(first.data?.auditRecords.records ?? []), ...(second.data?.auditRecords.records ?? [])].map((record) => record.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(second.data?.auditRecords.records[0]).toMatchObject({ clientId: client.clientId, subjects: [subject], outcome: 'OK' });

    const verified = await stack.graphql('{ verifyAuditLog { ok checked firstBroken { seq } } }', {}, auditor.headers);
    expect(verified.data?.verifyAuditLog).toMatchObject({ ok: true, firstBroken: null });
    const own = await stack.db.query<{ coordinates: string[] }>(
      `SELECT coordinates FROM audit.records WHERE client_id = $1 AND purpose = 'AUDIT' ORDER BY seq`,
      [auditor.clientId],
    );
    expect(own.map((record) => record.coordinates[0])).toEqual(['AuditRecord.clientId', 'AuditRecord.clientId', 'AuditVerification.checked']);
  });

  it('serves the audit public key, and gives auditors and citizens inclusion proofs that check offline', async () => {
    const keyUrl = new URL('/.well-known/once-audit-key', stack.gatewayUrl);
    const served = await fetch(keyUrl);
    expect(served.status).toBe(200);
    const document = (await served.json()) as { keyId: string; jwk: JsonWebKey & { kid: string }; pem: string };
    expect(document).toMatchObject({
      keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
      jwk: { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' },
      pem: expect.stringContaining('BEGIN PUBLIC KEY'),
    });
    expect(document.jwk.kid).toBe(document.keyId);
    expect(document.jwk).not.toHaveProperty('d');
    const posted = await fetch(keyUrl, { method: 'POST', body: '{}' });
    expect(posted.status).toBe(405);
    expect(await posted.json()).toEqual({ errors: [{ message: '/.well-known/once-audit-key answers GET only', extensions: { code: 'BAD_REQUEST' } }] });
    const publicKey = createPublicKey({ key: document.jwk, format: 'jwk' });
    const badRange = await stack.graphql('{ verifyAuditLog(fromSeq: 0) { ok } }', {}, auditor.headers);
    expect(badRange.errors?.[0]).toMatchObject({ message: 'fromSeq must be a record seq (1, 2, ...); got 0', extensions: { code: 'BAD_USER_INPUT' } });

    const other = await one<string>(stack.db, 'SELECT personal_id AS value FROM population.citizens ORDER BY 1 OFFSET 1 LIMIT 1');
    const read = await stack.graphql('query ($ids: [ID!]!) { citizens(personalIds: $ids) { fullName } }', { ids: [subject, other] });
    expect(read.errors).toBeUndefined();
    const PROOF = 'proof { json treeSize leafIndex auditPath rootHash checkpoint { treeSize rootHash at keyId signature } }';
    type Proven = { seq: number; proof: { json: string; treeSize: number; leafIndex: number; checkpoint: { keyId: string } } | null };
    let proven: Proven | undefined;
    // A checkpoint comes within AUDIT_CHECKPOINT_MS (50 ms here) of the read; ask until one covers it.
    for (let attempt = 0; attempt < 100 && !proven?.proof; attempt += 1) {
      // The portal's read, not this search: an auditor's search about a citizen is itself recorded as a read of them.
      const page = await stack.graphql<{ auditRecords: { records: Proven[] } }>(
        `query ($other: ID!, $portal: ID!) { auditRecords(filter: { subject: $other, clientId: $portal }, first: 1) { records { seq ${PROOF} } } }`,
        { other, portal: stack.portal.clientId },
        auditor.headers,
      );
      expect(page.errors).toBeUndefined();
      proven = page.data?.auditRecords.records[0];
      if (!proven?.proof) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!proven?.proof) throw new Error('no checkpoint covered the read');
    const auditorProof = inclusionProofSchema.parse(JSON.parse(proven.proof.json));
    expect(proven.proof).toMatchObject({ leafIndex: proven.seq - 1, checkpoint: { keyId: document.keyId } });
    expect(auditorProof.record.subjects).toEqual([subject, other].sort());
    expect(inclusionProofProblem(auditorProof, publicKey)).toBeNull();
    expect(inclusionProofProblem({ ...auditorProof, record: { ...auditorProof.record, caseNumber: 'CASE-2' } }, publicKey)).toMatch(
      /is not in the tree of \d+ records/,
    );

    const citizen = { authorization: `Bearer ${await stack.token('citizen', subject)}` };
    const history = await stack.graphql<{ myAccessHistory: { events: Array<{ proof: { json: string } | null }> } }>(
      `{ myAccessHistory(first: 50) { events { caseNumber ${PROOF} } } }`,
      {},
      citizen,
    );
    expect(history.errors).toBeUndefined();
    const citizenProof = history.data?.myAccessHistory.events
      .map((event) => event.proof)
      .find((proof) => proof && JSON.parse(proof.json).record.seq === proven?.seq);
    if (!citizenProof) throw new Error("the read is not in the citizen's history with a proof");
    expect(citizenProof.json).not.toContain(other);
    const parsed = inclusionProofSchema.parse(JSON.parse(citizenProof.json));
    expect(parsed.record.subjects).toEqual([subject]);
    expect(parsed.revealed.map((revealed) => revealed.subject)).toEqual([subject]);
    expect(inclusionProofProblem(parsed, publicKey)).toBeNull();
    expect(
      inclusionProofProblem(
        { ...parsed, record: { ...parsed.record, subjects: [other] }, revealed: [{ subject: other, salt: parsed.revealed[0]?.salt ?? '' }] },
        publicKey,
      ),
    ).toBe(`subject ${other} is not among the record's committed subjects`);
  });

  it('verifies and exports the log from the command line', async () => {
    const env = { ...process.env, DATABASE_URL: inject('databaseUrl'), LOG_LEVEL: 'warn' };
    const verify = spawnSync(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', 'audit', 'verify'], { env, encoding: 'utf8' });
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^audit log intact: \d+ record\(s\) checked$/m);
    const out = join(mkdtempSync(join(tmpdir(), 'once-export-')), 'audit.csv');
    const exported = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'gateway/cli.ts', 'audit', 'export', '--format', 'csv', '--out', out, '--subject', subject],
      { env, encoding: 'utf8' },
    );
    expect(exported.status).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe(
      'seq,requestId,at,principal,clientId,officer,purpose,caseNumber,operationName,operationHash,coordinates,subjects,outcome,errorCodes,subgraphs,durationMs,previousHash,hash,sentToSubgraphs',
    );
    expect(lines.length).toBeGreaterThan(1_000);
  });
});
