import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getOperationAST, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addTrustedManifest, reachableCoordinates, operationFields } from '../../gateway';
import {
  AuditSearchDocument,
  CitizenProfileDocument,
  EnrolInPrimarySchoolDocument,
  MyAccessHistoryDocument,
  persistedDocuments,
  persistedHash,
  persistedRequest,
  ProcedureCatalogueDocument,
  ResidenceConfirmationDocument,
  VerifyAuditLogDocument,
  type EnrolInPrimarySchoolQuery,
} from '../../operations';
import { one } from '../helpers/database';
import { AGENCY_ROOTS, postGraphQL, startTestStack, type TestStack } from '../helpers/stack';

const MANIFEST = 'operations/generated/persisted-documents.json';
/** Tests that start processes (the CLI, the example portal): each takes seconds to start on a loaded machine. */
const PROCESSES = { timeout: 120_000 };
const enrolmentText = persistedDocuments[persistedHash(EnrolInPrimarySchoolDocument)] ?? '';
/** An operation within the enrolment grants that is in no manifest: what a stolen key would send. */
const AD_HOC = 'query ($id: ID!) { citizen(personalId: $id) { documentCheck(required: [BIRTH_CERTIFICATE]) { complete } } }';

let stack: TestStack;
let subject: string;
let folder: string;
beforeAll(async () => {
  // No access cache, so that `clients update` is seen by the next request.
  stack = await startTestStack({ ACCESS_CACHE_MS: '0' });
  subject = await one<string>(
    stack.db,
    `SELECT holder_id AS value FROM procedures.issued_documents WHERE document_type = 'BIRTH_CERTIFICATE' ORDER BY 1 LIMIT 1`,
  );
  folder = mkdtempSync(join(tmpdir(), 'once-operations-'));
});
afterAll(() => stack?.stop());

/** Runs a TypeScript entry point as its own process (without blocking the gateway this process serves). */
function run(script: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      { env: { ...process.env, DATABASE_URL: inject('databaseUrl'), LOG_LEVEL: 'warn', ...env } },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const once = (...args: string[]) => run('gateway/cli.ts', args);

async function registered(clientId: string): Promise<string[]> {
  const rows = await stack.db.query<{ sha256: string }>('SELECT sha256 FROM access.trusted_documents WHERE client_id = $1 ORDER BY sha256', [clientId]);
  return rows.map((row) => row.sha256);
}

/** A portal granted exactly what the enrolment check reads, for its purpose. */
function enrolmentPortal() {
  const document = parse(enrolmentText);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('the manifest has no EnrolInPrimarySchool');
  return stack.newClient({ coordinates: [...operationFields(stack.apiSchema, document, operation).coordinates] });
}

describe('the example portal, with a client made trusted-only from the command line', PROCESSES, () => {
  it('registers the generated manifest, turns the client trusted-only, and gets the once-only answer by hash', async () => {
    const portal = await enrolmentPortal();
    const expected = await stack.graphql<EnrolInPrimarySchoolQuery>(enrolmentText, { id: subject });
    const check = expected.data?.citizen?.documentCheck;
    expect(check?.requirements.map((requirement) => requirement.type)).toEqual(['BIRTH_CERTIFICATE', 'RESIDENCE_CONFIRMATION']);

    const added = await once('documents', 'add', portal.clientId, '--manifest', MANIFEST);
    expect(added).toMatchObject({ status: 0, stderr: '' });
    expect(added.stdout).toContain(`registered ${Object.keys(persistedDocuments).length} trusted document(s) for ${portal.clientId}`);
    expect(await registered(portal.clientId)).toEqual(Object.keys(persistedDocuments).sort());

    const beforeUpdate = await stack.graphql(AD_HOC, { id: subject }, portal.headers);
    expect(beforeUpdate.errors).toBeUndefined();
    const updated = await once('clients', 'update', portal.clientId, '--trusted-only');
    expect(updated).toMatchObject({
      status: 0,
      stdout: `client ${portal.clientId} now runs only its ${Object.keys(persistedDocuments).length} trusted document(s)\n`,
    });
    const adHoc = await stack.graphql(AD_HOC, { id: subject }, portal.headers);
    expect(adHoc.status).toBe(403);
    expect(adHoc.errors?.[0]?.message).toMatch(/runs only its trusted documents/);

    const example = await run('examples/portal/enrolment-check.ts', [subject], { ONCE_GATEWAY: stack.gatewayUrl, ONCE_API_KEY: portal.apiKey });
    expect(example.stderr).toBe('');
    expect(example.status).toBe(0);
    const lines = example.stdout.trim().split('\n');
    expect(lines.slice(0, 2).map((line) => line.split(':')[0])).toEqual(['BIRTH_CERTIFICATE', 'RESIDENCE_CONFIRMATION']);
    expect(lines.at(-1)).toBe(
      check?.complete ? 'ask the citizen for: nothing, the state holds every document' : `ask the citizen for: ${check?.missing.join(', ') ?? ''}`,
    );
    const [audited] = await stack.db.query<{ operationName: string; operationHash: string; outcome: string }>(
      `SELECT operation_name AS "operationName", operation_hash AS "operationHash", outcome FROM audit.records WHERE client_id = $1 ORDER BY seq DESC LIMIT 1`,
      [portal.clientId],
    );
    expect(audited).toEqual({ operationName: 'EnrolInPrimarySchool', operationHash: persistedHash(EnrolInPrimarySchoolDocument), outcome: 'OK' });

    expect(await once('clients', 'update', portal.clientId, '--no-trusted-only')).toMatchObject({
      status: 0,
      stdout: `client ${portal.clientId} may now run any operation its grants allow\n`,
    });
    expect((await stack.graphql(AD_HOC, { id: subject }, portal.headers)).errors).toBeUndefined();
  });

  it('says what went wrong when the gateway refuses it', async () => {
    const example = await run('examples/portal/enrolment-check.ts', [subject], { ONCE_GATEWAY: stack.gatewayUrl, ONCE_API_KEY: 'once_nokey_nosecret' });
    expect(example.status).toBe(1);
    expect(example.stderr).toMatch(/^UNAUTHENTICATED: /);
  });
});

describe('every operation in operations/', () => {
  it('runs by its hash alone through the gateway, for the kind of client that sends it', async () => {
    const portal = await stack.newClient({ coordinates: reachableCoordinates(stack.apiSchema, AGENCY_ROOTS), trustedDocumentsOnly: true });
    const auditor = await stack.newClient({
      role: 'AUDITOR',
      purpose: 'AUDIT',
      coordinates: reachableCoordinates(stack.apiSchema, ['Query.auditRecords', 'Query.verifyAuditLog']),
      trustedDocumentsOnly: true,
    });
    for (const client of [portal, auditor]) await addTrustedManifest(stack.db, client.clientId, persistedDocuments);
    const citizen = { authorization: `Bearer ${await stack.token('citizen', subject)}` };
    const requests = [
      [persistedRequest(CitizenProfileDocument, { id: subject }), portal.headers],
      [persistedRequest(ResidenceConfirmationDocument, { id: subject }), portal.headers],
      [persistedRequest(EnrolInPrimarySchoolDocument, { id: subject }), portal.headers],
      [persistedRequest(ProcedureCatalogueDocument, {}), portal.headers],
      [persistedRequest(AuditSearchDocument, { filter: { subject }, first: 5 }), auditor.headers],
      [persistedRequest(VerifyAuditLogDocument, { fromSeq: 1, toSeq: 50 }), auditor.headers],
      [persistedRequest(MyAccessHistoryDocument, { first: 5 }), citizen],
    ] as const;
    expect(requests.map(([body]) => body.extensions.persistedQuery.sha256Hash).sort()).toEqual(Object.keys(persistedDocuments).sort());
    for (const [body, headers] of requests) {
      const response = await postGraphQL<Record<string, unknown>>(stack.gatewayUrl, body, headers);
      expect(response.errors, persistedDocuments[body.extensions.persistedQuery.sha256Hash]).toBeUndefined();
      expect(Object.values(response.data ?? {})).not.toContain(null);
    }
  });
});

// Each case runs the CLI as a process of its own; they run side by side.
describe.concurrent('npm run once -- documents add --manifest, given bad input', PROCESSES, () => {
  const good = enrolmentText;
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const file = (name: string, content: string) => {
    const path = join(folder, name);
    writeFileSync(path, content);
    return path;
  };

  it.each([
    [
      "a hash that is not its text's",
      () => file('edited.json', JSON.stringify({ [sha256(good)]: good, [sha256('query A { procedures { code } }')]: 'query A { procedures { code name } }' })),
      /^manifest entry [0-9a-f]{64} is not the SHA-256 of its text \([0-9a-f]{64}\): regenerate the manifest with npm run codegen instead of editing it$/m,
    ],
    ['a missing file', () => join(folder, 'absent.json'), /^cannot read the manifest .*absent\.json: ENOENT$/m],
    ['a file that is not JSON', () => file('not-json.json', 'query A { procedures { code } }'), /^the manifest .*not-json\.json is not JSON: /m],
  ])('refuses %s: exit 1, the cause named, nothing registered', async (_case, manifest, message) => {
    const portal = await stack.newClient({ coordinates: [] });
    const result = await once('documents', 'add', portal.clientId, '--manifest', manifest());
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await registered(portal.clientId)).toEqual([]);
  });

  it('refuses, all or nothing, a manifest that is not hash -> text, is empty, or has a text that does not parse after one that does', async () => {
    const portal = await stack.newClient({ coordinates: [] });
    await expect(addTrustedManifest(stack.db, portal.clientId, [good])).rejects.toThrow(/^a manifest must be a JSON object of SHA-256 hash -> operation text$/);
    await expect(addTrustedManifest(stack.db, portal.clientId, { [sha256(good)]: 42 })).rejects.toThrow(/^manifest entry [0-9a-f]{64} is not operation text$/);
    await expect(addTrustedManifest(stack.db, portal.clientId, {})).rejects.toThrow(/^the manifest holds no documents$/);
    await expect(addTrustedManifest(stack.db, portal.clientId, { [sha256(good)]: good, [sha256('query {')]: 'query {' })).rejects.toThrow(
      /^not a GraphQL document: Syntax Error/,
    );
    expect(await registered(portal.clientId)).toEqual([]);
  });

  it('refuses an unknown client, a manifest beside document files, and a document file that is not there', async () => {
    const [unknown, both, absent] = await Promise.all([
      once('documents', 'add', 'no-such-client', '--manifest', MANIFEST),
      once('documents', 'add', 'no-such-client', 'operations/procedure-catalogue.graphql', '--manifest', MANIFEST),
      once('documents', 'add', 'no-such-client', join(folder, 'absent.graphql')),
    ]);
    expect(unknown).toMatchObject({ status: 1, stderr: 'no client "no-such-client"\n' });
    expect(await registered('no-such-client')).toEqual([]);
    expect(both.status).toBe(1);
    expect(both.stderr).toMatch(/^name document files or --manifest, not both/);
    expect(absent).toMatchObject({ status: 1, stderr: `cannot read the document ${join(folder, 'absent.graphql')}: ENOENT\n` });
  });
});

describe.concurrent('npm run once -- clients update, given bad input', PROCESSES, () => {
  it('refuses an unknown client, an update that names no change or both, and a flag without its value', async () => {
    const portal = await stack.newClient({ coordinates: [] });
    const [unknown, nothing, both, noManifest] = await Promise.all([
      once('clients', 'update', 'no-such-client', '--trusted-only'),
      once('clients', 'update', portal.clientId),
      once('clients', 'update', portal.clientId, '--trusted-only', '--no-trusted-only'),
      once('documents', 'add', portal.clientId, '--manifest'),
    ]);
    expect(unknown).toMatchObject({ status: 1, stderr: 'no client "no-such-client"\n' });
    expect(nothing.status).toBe(1);
    expect(nothing.stderr).toMatch(/^name the change: --trusted-only or --no-trusted-only/);
    expect(both.status).toBe(1);
    expect(both.stderr).toMatch(/^--trusted-only and --no-trusted-only contradict each other: name one\n\nUsage: /);
    // A usage error, not a crash: the cause and the usage, no log line with a stack.
    expect(noManifest.status).toBe(1);
    expect(noManifest.stderr).toMatch(/^Option '--manifest <value>' argument missing\n\nUsage: /);
    expect(noManifest.stderr).not.toMatch(/"level"|\bat \//);
    const [row] = await stack.db.query<{ trusted: boolean }>('SELECT trusted_documents_only AS trusted FROM access.clients WHERE client_id = $1', [
      portal.clientId,
    ]);
    expect(row?.trusted).toBe(false);
  });

  it('warns that a trusted-only client without documents can run nothing', async () => {
    const portal = await stack.newClient({ coordinates: [] });
    const updated = await once('clients', 'update', portal.clientId, '--trusted-only');
    expect(updated.status).toBe(0);
    expect(updated.stdout).toBe(
      `client ${portal.clientId} now runs only its 0 trusted document(s)\nit has none yet, so it can run nothing: npm run once -- documents add ${portal.clientId} --manifest ${MANIFEST}\n`,
    );
  });
});
