import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuditWriter,
  type AuditWriter,
  archiveExpiredMonths,
  archiveRecordsProblem,
  readArchiveManifest,
  chainHash,
  GENESIS_HASH,
  type AuditEntry,
  type AuditRecord,
  ensureSigningKey,
  readSigningKey,
  signCheckpoint,
  type Checkpoint,
  MerkleFrontier,
  recordLeaf,
  verifyChain,
  type ChainVerification,
  fileWitness,
  httpWitness,
  type Witness,
  startWitnessServer,
  inclusionProofProblem,
  latestCheckpoint,
  proveInclusions,
  monthPartitions,
  readChain,
  treeSize,
  consistencyRanges,
  inclusionRanges,
  nodesFor,
  rangeNodes,
  verifyConsistency,
  consistencyProof,
  loadFrontier,
} from '../../subgraphs/audit';
import { gatewayConfig, gatewayMigrations, openAccessControl, runAuditCommand } from '../../gateway';
import { openPglite, type Database, type Queryable, type Session, migrate } from '../../platform';
import { openTestDatabase, scratchDatabase, silentLog, testConfig } from '../helpers/database';

const DAY_MS = 86_400_000;

function entry(index: number, at = new Date(Date.UTC(2026, 10, 25, 10, 0, index)).toISOString()): AuditEntry {
  return {
    requestId: `r-${index}`,
    at,
    principal: 'client:test',
    clientId: 'test',
    officer: `officer-${index}`,
    purpose: '1.900011',
    caseNumber: `c-${index}`,
    operationName: null,
    operationHash: null,
    coordinates: ['Query.citizen'],
    subjects: ['001090123456', `00109000${String(index).padStart(4, '0')}`],
    outcome: 'OK',
    errorCodes: [],
    subgraphs: ['population'],
    durationMs: index,
  };
}

/** A key, a witness file, and a writer that checkpoints on its first group and when it closes (no timing involved). */
function auditKeys(): { dir: string; keyFile: string; key: KeyObject; publicKey: KeyObject; witnessFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'once-audit-'));
  const keyFile = join(dir, 'keys', 'audit-signing-key.pem');
  ensureSigningKey(keyFile);
  const key = readSigningKey(keyFile);
  return { dir, keyFile, key, publicKey: createPublicKey(key), witnessFile: join(dir, 'witness.jsonl') };
}

function writerFor(db: Database, keys: ReturnType<typeof auditKeys>, maxBatch = 5): AuditWriter {
  return createAuditWriter({
    db,
    flushMs: 2,
    maxBatch,
    log: silentLog,
    checkpoints: { key: keys.key, everyMs: DAY_MS, witnesses: [fileWitness(keys.witnessFile)] },
  });
}

async function writeInGroups(writer: AuditWriter, entries: readonly AuditEntry[], size: number): Promise<void> {
  for (let start = 0; start < entries.length; start += size) await Promise.all(entries.slice(start, start + size).map((one) => writer.append(one)));
}

/** What a database owner can do with the project's own code: rewrite the records and recompute every chain hash. */
function rechain(records: readonly AuditRecord[]): AuditRecord[] {
  let previousHash = GENESIS_HASH;
  return records.map((record, index) => {
    const seq = index + 1;
    const hash = chainHash(previousHash, seq, record);
    const rewritten = { ...record, seq, previousHash, hash };
    previousHash = hash;
    return rewritten;
  });
}

/**
 * The same, in the database, with SQL of the owner's own: change the records (`change`, which leaves them numbered 1 to
 * n), then store every chain hash that is no longer right (append-only triggers off: see `verifyTampered`).
 */
async function rewriteLog(tx: Session, change: string): Promise<AuditRecord[]> {
  await tx.exec(change);
  const rewritten = rechain(await readChain(tx, 1, Number.MAX_SAFE_INTEGER, 100_000));
  await tx.query(
    `UPDATE audit.records r SET previous_hash = c.previous_hash, hash = c.hash
       FROM unnest($1::bigint[], $2::text[], $3::text[]) AS c(seq, previous_hash, hash)
      WHERE r.seq = c.seq AND (r.previous_hash, r.hash) IS DISTINCT FROM (c.previous_hash, c.hash)`,
    [rewritten.map((record) => record.seq), rewritten.map((record) => record.previousHash), rewritten.map((record) => record.hash)],
  );
  return rewritten;
}

/** And the tree along with them: every node's hash as the writer would have computed it for the rewritten records. */
async function rewriteTree(tx: Session, records: readonly AuditRecord[]): Promise<void> {
  const frontier = MerkleFrontier.empty();
  const nodes = records.flatMap((record) => frontier.push(recordLeaf(record)));
  await tx.query(
    `UPDATE audit.tree_nodes n SET hash = c.hash
       FROM unnest($1::smallint[], $2::bigint[], $3::text[]) AS c(level, idx, hash)
      WHERE n.level = c.level AND n.idx = c.idx AND n.hash <> c.hash`,
    [nodes.map((node) => node.level), nodes.map((node) => node.index), nodes.map((node) => node.hash.toString('hex'))],
  );
}

class Rollback extends Error {}

/** Tampers as a database owner would (append-only triggers off), verifies inside that transaction, then rolls back. */
async function verifyTampered(
  db: Database,
  tamper: (tx: Session) => Promise<unknown>,
  verify: (tx: Queryable) => Promise<ChainVerification>,
): Promise<ChainVerification> {
  let result: ChainVerification | undefined;
  await db
    .transaction(async (tx) => {
      await tx.exec('SET LOCAL session_replication_role = replica');
      await tamper(tx);
      result = await verify(tx);
      throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
  if (!result) throw new Error('verification did not run');
  return result;
}

function cli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8' });
}

describe('a verifiable audit log: Merkle tree, signed checkpoints, witnesses', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let keys: ReturnType<typeof auditKeys>;
  let trust: { publicKey: KeyObject; witnesses: Witness[] };
  const verify = (db: Queryable, extra: Partial<Parameters<typeof verifyChain>[1]> = {}) => verifyChain(db, { ...trust, ...extra });

  beforeAll(async () => {
    scratch = await scratchDatabase();
    for (const set of gatewayMigrations) await migrate(scratch.db, set.name, set.migrations);
    keys = auditKeys();
    trust = { publicKey: keys.publicKey, witnesses: [fileWitness(keys.witnessFile)] };
    const writer = writerFor(scratch.db, keys);
    await writeInGroups(
      writer,
      Array.from({ length: 20 }, (_, index) => entry(index + 1)),
      5,
    );
    await writer.close();
  });
  afterAll(() => scratch?.drop());

  it('publishes signed checkpoints to the witness file, and verifies the log against the newest', async () => {
    const lines = readFileSync(keys.witnessFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { treeSize: number });
    expect(lines.map((line) => line.treeSize)).toEqual([5, 20]);
    expect(await scratch.db.query('SELECT tree_size AS "treeSize" FROM audit.checkpoints ORDER BY 1')).toEqual([{ treeSize: 5 }, { treeSize: 20 }]);
    expect(await verify(scratch.db)).toMatchObject({ ok: true, checked: 20, firstBroken: null, checkpoint: { treeSize: 20 }, forks: [], warnings: [] });
  });

  it("names the record an insider edited and re-chained with the project's own hash function", async () => {
    const result = await verifyTampered(scratch.db, (tx) => rewriteLog(tx, "UPDATE audit.records SET subjects = '{}', officer = NULL WHERE seq = 5"), verify);
    expect(result).toMatchObject({
      ok: false,
      firstBroken: { seq: 5, kind: 'EDITED', reason: 'record 5 was edited: its content is not what the signed checkpoint of 5 records committed to' },
    });
  });

  it('names a deleted record when the records after it were renumbered and re-chained', async () => {
    const result = await verifyTampered(
      scratch.db,
      (tx) => rewriteLog(tx, 'DELETE FROM audit.records WHERE seq = 7; UPDATE audit.records SET seq = seq - 1 WHERE seq > 7'),
      verify,
    );
    expect(result.firstBroken).toMatchObject({ seq: 7, kind: 'DELETED', reason: expect.stringContaining('record 7 was deleted') });
  });

  it('names an inserted record', async () => {
    // The forged record: record 9's row for someone else's request, at seq 10.
    const forged = `{"seq": 10, "request_id": "r-99", "officer": "officer-99", "case_number": "c-99", "subject_salt": null}`;
    const result = await verifyTampered(
      scratch.db,
      (tx) =>
        rewriteLog(
          tx,
          `UPDATE audit.records SET seq = seq + 1 WHERE seq >= 10;
           INSERT INTO audit.records SELECT (jsonb_populate_record(r, '${forged}')).* FROM audit.records r WHERE seq = 9`,
        ),
      verify,
    );
    expect(result.firstBroken).toMatchObject({ seq: 10, kind: 'INSERTED', reason: expect.stringContaining('record 10 was inserted') });
  });

  it('names a swapped pair', async () => {
    const result = await verifyTampered(
      scratch.db,
      (tx) => rewriteLog(tx, 'UPDATE audit.records SET seq = CASE seq WHEN 7 THEN 8 ELSE 7 END WHERE seq IN (7, 8)'),
      verify,
    );
    expect(result.firstBroken).toMatchObject({ seq: 7, kind: 'REORDERED', reason: 'records 7 and 8 were swapped' });
  });

  it('finds the newest records deleted (a truncated tail)', async () => {
    const result = await verifyTampered(scratch.db, (tx) => tx.exec('DELETE FROM audit.records WHERE seq >= 18'), verify);
    expect(result).toMatchObject({
      ok: false,
      checked: 17,
      firstBroken: { seq: 18, kind: 'TRUNCATED', reason: expect.stringContaining('records 18 to 20 were deleted') },
    });
  });

  it('names the range between checkpoints when the tree in the database was rewritten along with the records', async () => {
    const result = await verifyTampered(
      scratch.db,
      async (tx) => {
        await rewriteTree(tx, await rewriteLog(tx, "UPDATE audit.records SET officer = 'nobody' WHERE seq = 8"));
      },
      verify,
    );
    expect(result.firstBroken).toMatchObject({
      seq: 6,
      kind: 'EDITED',
      reason: expect.stringMatching(/^records 6 to 20 do not match the checkpoint of 20 records/),
    });
  });

  it('checks a range from its start, tied to a witnessed checkpoint by a consistency proof', async () => {
    expect(await verify(scratch.db, { fromSeq: 8 })).toMatchObject({ ok: true, checked: 13, checkpoint: { treeSize: 20 } });
    expect(await verify(scratch.db, { fromSeq: 8, toSeq: 12 })).toMatchObject({ ok: true, checked: 5, checkpoint: null });
    const result = await verifyTampered(
      scratch.db,
      (tx) => tx.exec("UPDATE audit.tree_nodes SET hash = repeat('0', 64) WHERE level = 2 AND idx = 0"),
      (tx) => verify(tx, { fromSeq: 8 }),
    );
    expect(result.firstBroken).toMatchObject({
      seq: 7,
      kind: 'EDITED',
      reason: expect.stringMatching(/^the first 7 records in the database's tree are not those of the checkpoint of 20 records/),
    });
  });

  it('finds, in a range that ends between checkpoints, a record edited with its leaf alone', async () => {
    // Record 8 edited and the chain recomputed; its leaf replaced, the tree's upper nodes left as the checkpoints signed.
    const tamper = async (tx: Session) => {
      const rewritten = await rewriteLog(tx, "UPDATE audit.records SET officer = 'nobody' WHERE seq = 8");
      await tx.query('UPDATE audit.tree_nodes SET hash = $1 WHERE level = 0 AND idx = 7', [recordLeaf(rewritten[7] as AuditRecord).toString('hex')]);
    };
    // The range after it starts from the database's tree at 10, which is still the signed one: alone, it passes.
    expect(await verifyTampered(scratch.db, tamper, (tx) => verify(tx, { fromSeq: 11 }))).toMatchObject({ ok: true, checked: 10 });
    const result = await verifyTampered(scratch.db, tamper, (tx) => verify(tx, { toSeq: 10 }));
    expect(result).toMatchObject({
      ok: false,
      checked: 10,
      firstBroken: { seq: 6, kind: 'EDITED', reason: expect.stringMatching(/^records 6 to 10 do not rebuild the Merkle tree the database holds for them/) },
    });
    expect(await verify(scratch.db, { toSeq: 10 })).toMatchObject({ ok: true, checked: 10, warnings: [] });
  });

  it('reports a fork: two checkpoints of one size, both signed, that disagree', async () => {
    const forked = join(keys.dir, 'forked.jsonl');
    copyFileSync(keys.witnessFile, forked);
    appendFileSync(forked, `${JSON.stringify(signCheckpoint(keys.key, 20, 'ab'.repeat(32)))}\n`);
    const result = await verify(scratch.db, { witnesses: [fileWitness(forked)] });
    expect(result).toMatchObject({ ok: false, firstBroken: null, forks: [{ treeSize: 20, rootHashes: expect.arrayContaining(['ab'.repeat(32)]) }] });
    const printed = cli(['audit', 'verify', '--witness', forked], { DATABASE_URL: scratch.url, AUDIT_SIGNING_KEY_FILE: keys.keyFile });
    expect(printed.status).toBe(2);
    expect(printed.stdout).toMatch(/^FORK: two checkpoints of 20 records signed by the audit key disagree/m);
  });

  it('trusts no checkpoint another key signed, and no line that is not a checkpoint', async () => {
    const hostile = join(keys.dir, 'hostile.jsonl');
    const { privateKey: other } = generateKeyPairSync('ed25519');
    writeFileSync(hostile, [JSON.stringify(signCheckpoint(other, 30, 'cd'.repeat(32))), 'not json', JSON.stringify({ treeSize: -1 }), ''].join('\n'));
    const result = await verify(scratch.db, { witnesses: [fileWitness(hostile), fileWitness(keys.witnessFile)] });
    expect(result).toMatchObject({ ok: true, checkpoint: { treeSize: 20 } });
    expect(result.warnings).toEqual([
      expect.stringMatching(/holds a checkpoint of size 30 that is not trusted: it is signed by key [0-9a-f]{16}, not by the audit key/),
      `${hostile} line 2 is not JSON`,
      expect.stringMatching(/line 3 is not a checkpoint: treeSize: /),
    ]);
  });

  it('publishes to an HTTP witness an auditor runs, verifies from its copy, and says when one cannot be reached', async () => {
    const witness = await startWitnessServer({
      file: join(keys.dir, 'auditor-witness.jsonl'),
      publicKey: keys.publicKey,
      host: '127.0.0.1',
      port: 0,
      log: silentLog,
    });
    try {
      const remote = httpWitness(witness.url);
      for (const line of readFileSync(keys.witnessFile, 'utf8').trim().split('\n')) await remote.publish(JSON.parse(line) as Checkpoint);
      const result = await verify(scratch.db, { witnesses: [remote, httpWitness('http://127.0.0.1:1/nothing')] });
      expect(result).toMatchObject({
        ok: true,
        checkpoint: { treeSize: 20 },
        warnings: [expect.stringMatching(/^witness http:\/\/127\.0\.0\.1:1\/nothing could not be read/)],
      });

      const post = (body: string, method = 'POST') =>
        fetch(witness.url, { method, body }).then(async (response) => ({
          status: response.status,
          body: (await response.json()) as { errors?: Array<{ message: string; extensions: { code: string } }> },
        }));
      expect(await post(readFileSync(keys.witnessFile, 'utf8').split('\n')[0] ?? '')).toMatchObject({ status: 200 });
      expect(await post(JSON.stringify(signCheckpoint(keys.key, 20, 'ab'.repeat(32))))).toMatchObject({
        status: 409,
        body: { errors: [{ message: 'a different root is already held for 20 records: the log was forked', extensions: { code: 'BAD_REQUEST' } }] },
      });
      const { privateKey: other } = generateKeyPairSync('ed25519');
      expect(await post(JSON.stringify(signCheckpoint(other, 21, 'ab'.repeat(32))))).toMatchObject({
        status: 403,
        body: { errors: [{ message: expect.stringMatching(/^checkpoint refused: it is signed by key/), extensions: { code: 'FORBIDDEN' } }] },
      });
      expect(await post('{"treeSize":')).toMatchObject({ status: 400, body: { errors: [{ message: 'the body is not JSON' }] } });
      expect(await post(JSON.stringify({ treeSize: 1 }))).toMatchObject({
        status: 400,
        body: { errors: [{ message: expect.stringMatching(/^the body is not a checkpoint: rootHash/) }] },
      });
      expect(await post('x'.repeat(10_000))).toMatchObject({ status: 413, body: { errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] } });
      expect(await post('{}', 'PUT')).toMatchObject({ status: 405 });
      const held = (await (await fetch(witness.url)).text())
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as Checkpoint).treeSize);
      expect(held).toEqual([5, 20]);
    } finally {
      await witness.stop();
    }
  });

  it('writes an inclusion proof that checks offline with the public key only, and fails for a changed record or another key', () => {
    const env = { DATABASE_URL: scratch.url, AUDIT_SIGNING_KEY_FILE: keys.keyFile };
    const proofFile = join(keys.dir, 'proof-3.json');
    const proved = cli(['audit', 'prove', '3', '--out', proofFile], env);
    expect(proved.stdout).toMatch(/^proof of record 3 against the checkpoint of 20 records/);
    const offline = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const checked = cli(['audit', 'check-proof', proofFile, '--public-key', `${keys.keyFile}.pub`], offline);
    expect(checked.status).toBe(0);
    expect(checked.stdout).toMatch(/^proof valid: record 3 \(.*\) is in the audit log of 20 records signed at .* by key [0-9a-f]{16}$/m);

    const proof = JSON.parse(readFileSync(proofFile, 'utf8')) as { record: { officer: string } };
    const changed = join(keys.dir, 'proof-changed.json');
    writeFileSync(changed, JSON.stringify({ ...proof, record: { ...proof.record, officer: 'someone else' } }));
    const refused = cli(['audit', 'check-proof', changed, '--public-key', `${keys.keyFile}.pub`], offline);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toMatch(/^proof REFUSED: record 3 as given is not in the tree of 20 records/);

    const otherKey = join(keys.dir, 'other.pem');
    writeFileSync(otherKey, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const wrongKey = cli(['audit', 'check-proof', proofFile, '--public-key', otherKey], offline);
    expect(wrongKey.status).toBe(2);
    expect(wrongKey.stdout).toMatch(/^proof REFUSED: the checkpoint is not trusted: it is signed by key [0-9a-f]{16}, not by the audit key/);
  }, 60_000);

  it('refuses hostile proof files, keys and record numbers with a message naming the cause', async () => {
    const config = testConfig({ DATABASE_URL: scratch.url, AUDIT_SIGNING_KEY_FILE: keys.keyFile });
    const run = (db: Database | null, action: string, target: string | undefined, values: Record<string, string>) =>
      runAuditCommand(db, config, silentLog, action, target, values);
    const notJson = join(keys.dir, 'not-a-proof.json');
    writeFileSync(notJson, '{"version": 2');
    const publicKey = `${keys.keyFile}.pub`;
    await expect(run(null, 'check-proof', notJson, { 'public-key': publicKey })).rejects.toThrow(/is not a readable JSON proof/);
    writeFileSync(notJson, JSON.stringify({ version: 1, record: {} }));
    await expect(run(null, 'check-proof', notJson, { 'public-key': publicKey })).rejects.toThrow(/is not an inclusion proof: record\.seq/);
    await expect(run(null, 'check-proof', notJson, {})).rejects.toThrow(/--public-key FILE is required/);
    await expect(run(null, 'check-proof', undefined, { 'public-key': publicKey })).rejects.toThrow(/name the proof file/);
    await expect(run(null, 'check-proof', notJson, { 'public-key': notJson })).rejects.toThrow(/is not an Ed25519 public key/);
    await expect(run(null, 'check-proof', notJson, { 'public-key': join(keys.dir, 'absent.pem') })).rejects.toThrow(/cannot be read/);
    await expect(run(scratch.db, 'prove', '999', { out: join(keys.dir, 'x.json') })).rejects.toThrow(/there is no record 999/);
    await expect(run(scratch.db, 'prove', 'x', { out: join(keys.dir, 'x.json') })).rejects.toThrow(
      /the record seq must be a record seq \(1, 2, \.\.\.\); got x/,
    );
    await expect(run(scratch.db, 'prove', '3', {})).rejects.toThrow(/--out FILE is required/);
    await expect(run(scratch.db, 'verify', undefined, { from: '0' })).rejects.toThrow(/--from must be a record seq/);
    await expect(run(scratch.db, 'sign', undefined, {})).rejects.toThrow(/unknown command "audit sign"/);
    await expect(run(scratch.db, 'archive', undefined, {})).rejects.toThrow(/AUDIT_RETENTION_MONTHS must be at least 1 to archive anything; got 0/);
    await expect(run(null, 'witness', undefined, {})).rejects.toThrow(/name the witness file/);
    await expect(run(null, 'witness', join(keys.dir, 'w.jsonl'), { port: '99999' })).rejects.toThrow(/--port must be a TCP port \(0-65535\); got 99999/);
  });

  it('fails `audit verify` with exit code 2 and the record named once the newest records are gone', () => {
    const env = { DATABASE_URL: scratch.url, AUDIT_SIGNING_KEY_FILE: keys.keyFile, AUDIT_WITNESS_FILE: keys.witnessFile };
    const intact = cli(['audit', 'verify'], env);
    expect(intact.status).toBe(0);
    expect(intact.stdout).toMatch(/^audit log intact: 20 record\(s\) checked against the checkpoint of 20 records signed at /m);
    return scratch.db
      .transaction(async (tx) => {
        await tx.exec('SET LOCAL session_replication_role = replica');
        await tx.exec('DELETE FROM audit.records WHERE seq >= 19');
      })
      .then(() => {
        const broken = cli(['audit', 'verify'], env);
        expect(broken.status).toBe(2);
        expect(broken.stdout).toMatch(
          /^audit log BROKEN at record 19 \(TRUNCATED\): the log ends at record 18, but the checkpoint signed at .* covers 20 records/m,
        );
      });
  });
});

describe('audit key and witness configuration', () => {
  it('names the key when a witness URL is not http(s)', () => {
    expect(() => gatewayConfig.load({ AUDIT_WITNESS_URLS: 'https://witness.example/a,ftp://witness.example/b' })).toThrow(
      /AUDIT_WITNESS_URLS: each entry must be an http\(s\) URL; got "ftp:\/\/witness.example\/b"/,
    );
    expect(gatewayConfig.load({ AUDIT_WITNESS_URLS: ' https://a.example/w , http://127.0.0.1:9/w ' }).AUDIT_WITNESS_URLS).toEqual([
      'https://a.example/w',
      'http://127.0.0.1:9/w',
    ]);
  });

  it('will not run a production gateway without an audit key, nor any gateway with a key file that is not Ed25519', () => {
    const dir = mkdtempSync(join(tmpdir(), 'once-audit-nokey-'));
    const db = openTestDatabase();
    try {
      expect(() => openAccessControl(testConfig({ NODE_ENV: 'production', DATA_DIR: dir }), silentLog, db)).toThrow(
        /AUDIT_SIGNING_KEY_FILE: no audit signing key at .*audit-signing-key\.pem/,
      );
      writeFileSync(join(dir, 'rsa.pem'), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
      expect(() => openAccessControl(testConfig({ AUDIT_SIGNING_KEY_FILE: join(dir, 'rsa.pem') }), silentLog, db)).toThrow(
        /holds a rsa key; the audit key must be Ed25519/,
      );
      expect(() => openAccessControl(testConfig({ AUDIT_SIGNING_KEY_FILE: join(dir, 'absent.pem') }), silentLog, db)).toThrow(/no audit key at .*absent\.pem/);
    } finally {
      void db.close();
    }
  });
});

describe('one record the database refuses fails only its own request', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  beforeAll(async () => {
    scratch = await scratchDatabase();
    for (const set of gatewayMigrations) await migrate(scratch.db, set.name, set.migrations);
  });
  afterAll(() => scratch?.drop());

  it('retries a refused group in halves: the NUL, lone-surrogate and oversized records are refused, the 13 others committed in a valid log', async () => {
    const keys = auditKeys();
    const writer = writerFor(scratch.db, keys, 16);
    // What the database itself refuses (were they to reach it unnormalised): 22P05 twice, and 54000 (GIN index row too big).
    const refused = new Map([
      [3, '\ud800'],
      [11, '\u0000'],
      [14, randomBytes(4_000).toString('base64')],
    ]);
    const entries = Array.from({ length: 16 }, (_, index) => ({
      ...entry(index),
      subjects: refused.has(index) ? [refused.get(index) as string] : entry(index).subjects,
    }));
    const settled = await Promise.allSettled(entries.map((one) => writer.append(one)));
    await writer.close();
    expect(settled.map((result) => result.status)).toEqual(entries.map((_, index) => (refused.has(index) ? 'rejected' : 'fulfilled')));
    expect(await scratch.db.query('SELECT count(*)::int AS count FROM audit.records')).toEqual([{ count: 13 }]);
    expect(await verifyChain(scratch.db, { publicKey: keys.publicKey, witnesses: [fileWitness(keys.witnessFile)] })).toMatchObject({
      ok: true,
      checked: 13,
      checkpoint: { treeSize: 13 },
    });
  });
});

/** Records in three months: two old enough for a retention of three months, one current. */
const MONTHS = ['2025-01-10T08:00:00.000Z', '2025-02-10T08:00:00.000Z', '2026-11-10T08:00:00.000Z'];

async function countTreeNodes(db: Queryable): Promise<number> {
  const [row] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM audit.tree_nodes');
  return row?.count ?? 0;
}

async function retentionScenario(db: Database) {
  for (const set of gatewayMigrations) await migrate(db, set.name, set.migrations);
  const keys = auditKeys();
  const writer = writerFor(db, keys);
  await writeInGroups(
    writer,
    MONTHS.flatMap((at, month) =>
      Array.from({ length: 6 }, (_, index) => entry(month * 6 + index + 1, at.replace('08:00:00', `08:00:${String(index).padStart(2, '0')}`))),
    ),
    6,
  );
  await writer.close();
  const trust = { publicKey: keys.publicKey, witnesses: [fileWitness(keys.witnessFile)] };
  const archiveDir = join(keys.dir, 'archive');
  const nodesBefore = await countTreeNodes(db);
  const archived = await archiveExpiredMonths(db, { retentionMonths: 3, archiveDir, now: new Date('2026-11-26T00:00:00Z'), ...trust });
  return { keys, trust, archiveDir, archived, nodesBefore };
}

describe('retention: month partitions archived, checkpointed and dropped', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let scenario: Awaited<ReturnType<typeof retentionScenario>>;
  beforeAll(async () => {
    scratch = await scratchDatabase();
    scenario = await retentionScenario(scratch.db);
  });
  afterAll(() => scratch?.drop());

  it('archives the two old months as NDJSON with their checkpoint, drops their partitions, and verify starts from the archive', async () => {
    expect(scenario.archived.map(({ partitions, firstSeq, lastSeq, records }) => ({ partitions, firstSeq, lastSeq, records }))).toEqual([
      { partitions: ['records_2025_01'], firstSeq: 1, lastSeq: 6, records: 6 },
      { partitions: ['records_2025_02'], firstSeq: 7, lastSeq: 12, records: 6 },
    ]);
    // Each month's partition is made with the next one ahead; the empty 2025_03 had nothing to archive and is gone too.
    expect((await monthPartitions(scratch.db)).map((partition) => partition.name)).toEqual(['records_2026_11', 'records_2026_12']);
    expect(readdirSync(scenario.archiveDir).sort()).toEqual([
      'audit-000000000001-000000000006.manifest.json',
      'audit-000000000001-000000000006.ndjson',
      'audit-000000000007-000000000012.manifest.json',
      'audit-000000000007-000000000012.ndjson',
    ]);
    expect(
      readFileSync(join(scenario.archiveDir, 'audit-000000000007-000000000012.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as AuditRecord).seq),
    ).toEqual([7, 8, 9, 10, 11, 12]);
    expect(await verifyChain(scratch.db, scenario.trust)).toMatchObject({ ok: true, checked: 6, firstBroken: null, checkpoint: { treeSize: 18 } });
    const manifest = readArchiveManifest(join(scenario.archiveDir, 'audit-000000000007-000000000012.manifest.json'));
    expect(await verifyChain(scratch.db, { ...scenario.trust, base: manifest })).toMatchObject({ ok: true, checked: 6 });
    const cliResult = cli(['audit', 'verify', '--archive', join(scenario.archiveDir, 'audit-000000000007-000000000012.manifest.json')], {
      DATABASE_URL: scratch.url,
      AUDIT_SIGNING_KEY_FILE: scenario.keys.keyFile,
      AUDIT_WITNESS_FILE: scenario.keys.witnessFile,
    });
    expect(cliResult.status).toBe(0);
    expect(cliResult.stdout).toMatch(/^audit log intact: 6 record\(s\) checked against the checkpoint of 18 records/m);
  });

  it("prunes the archived records' part of the Merkle tree to the roots covering it; proofs, consistency and verify still hold", async () => {
    // 18 leaves make 18 + 9 + 4 + 2 + 1 = 34 nodes; of the 22 inside the 12 archived leaves, the roots of [0, 8) and
    // [8, 12) stay, and the newest archived leaf (the tree's size is read from its newest leaf).
    expect(scenario.nodesBefore).toBe(34);
    expect(await countTreeNodes(scratch.db)).toBe(34 - 19);
    const archivedPart = await scratch.db.query<{ level: number; idx: number }>(
      'SELECT level, idx::int AS idx FROM audit.tree_nodes WHERE (idx + 1) * 2 ^ level <= 12 ORDER BY level, idx',
    );
    expect(archivedPart).toEqual([
      { level: 0, idx: 11 },
      { level: 2, idx: 2 },
      { level: 3, idx: 0 },
    ]);
    expect(await treeSize(scratch.db)).toBe(18);

    const checkpoint = await latestCheckpoint(scratch.db);
    if (!checkpoint) throw new Error('no checkpoint');
    const retained = await readChain(scratch.db, 13, 18, 100);
    const proofs = await proveInclusions(scratch.db, retained, checkpoint, () => true);
    expect(proofs.map((proof) => (proof ? inclusionProofProblem(proof, scenario.keys.publicKey) : 'no proof'))).toEqual(retained.map(() => null));
    for (let size = 12; size < checkpoint.treeSize; size += 1) {
      const frontier = await loadFrontier(scratch.db, size);
      expect(
        verifyConsistency(
          size,
          checkpoint.treeSize,
          frontier.root(),
          Buffer.from(checkpoint.rootHash, 'hex'),
          await consistencyProof(scratch.db, size, checkpoint.treeSize),
        ),
      ).toBe(true);
    }
    expect(await verifyChain(scratch.db, { ...scenario.trust, fromSeq: 15 })).toMatchObject({ ok: true, checked: 4 });
    const cliResult = cli(['audit', 'verify'], {
      DATABASE_URL: scratch.url,
      AUDIT_SIGNING_KEY_FILE: scenario.keys.keyFile,
      AUDIT_WITNESS_FILE: scenario.keys.witnessFile,
    });
    expect(cliResult.stdout).toMatch(/^audit log intact: 6 record\(s\) checked against the checkpoint of 18 records/m);

    // The database refuses to prune what is still needed, and any change to a node.
    for (const needed of ['level = 2 AND idx = 2', 'level = 0 AND idx = 11', 'level = 0 AND idx = 12', 'level = 4 AND idx = 0']) {
      await expect(scratch.db.query(`DELETE FROM audit.tree_nodes WHERE ${needed}`)).rejects.toThrow(
        /only nodes of archived records that no proof or append needs can be deleted \(archived: 12 records\)/,
      );
    }
    await expect(scratch.db.query("UPDATE audit.tree_nodes SET hash = repeat('0', 64) WHERE level = 0 AND idx = 13")).rejects.toThrow(
      /append-only: UPDATE is refused/,
    );
    expect(await countTreeNodes(scratch.db)).toBe(34 - 19);
  });

  it('keeps, for every archived prefix of trees up to 64 leaves, every node a retained proof, consistency check or append reads', async () => {
    const levels: number[] = [];
    const indexes: number[] = [];
    const archivedSizes: number[] = [];
    for (let archived = 1; archived < 64; archived += 1) {
      for (let size = archived + 1; size <= 64; size += 1) {
        const ranges: Array<[number, number]> = [];
        for (let retained = archived; retained < size; retained += 1)
          ranges.push(...inclusionRanges(retained, size), ...consistencyRanges(retained, size), [0, retained]);
        for (const node of [...nodesFor(ranges), ...rangeNodes(0, size)]) {
          levels.push(node.level);
          indexes.push(node.index);
          archivedSizes.push(archived);
        }
      }
    }
    const [pruned] = await scratch.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM unnest($1::int[], $2::bigint[], $3::bigint[]) AS n(level, idx, archived) WHERE NOT audit.tree_node_needed(level, idx, archived)',
      [levels, indexes, archivedSizes],
    );
    expect(levels.length).toBeGreaterThan(10_000);
    expect(pruned?.count).toBe(0);
    // And it does prune: with 6 archived, of [0, 4) and [4, 6) only their roots and leaf 5 stay.
    const kept = await scratch.db.query<{ level: number; idx: number }>(
      'SELECT level, idx::int AS idx FROM (VALUES (0, 0), (0, 3), (0, 4), (0, 5), (1, 0), (1, 1), (1, 2), (2, 0)) AS n(level, idx) WHERE audit.tree_node_needed(level, idx, 6) ORDER BY 1, 2',
    );
    expect(kept).toEqual([
      { level: 0, idx: 5 },
      { level: 1, idx: 2 },
      { level: 2, idx: 0 },
    ]);
  });

  it('refuses an archive whose end state is not the signed one, and a manifest that does not describe its file', async () => {
    const manifest = readArchiveManifest(join(scenario.archiveDir, 'audit-000000000007-000000000012.manifest.json'));
    const forged = { ...manifest, frontier: manifest.frontier.map(() => 'ef'.repeat(32)) };
    expect(await verifyChain(scratch.db, { ...scenario.trust, base: forged })).toMatchObject({
      ok: false,
      firstBroken: { seq: 12, kind: 'UNTRUSTED_BASE', reason: expect.stringContaining('are not a prefix of its signed checkpoint') },
    });
    const copy = join(scenario.archiveDir, 'copy.manifest.json');
    writeFileSync(copy, JSON.stringify({ ...manifest, file: 'audit-000000000001-000000000006.ndjson' }));
    expect(() => readArchiveManifest(copy)).toThrow(/is not the file the manifest describes: its SHA-256 differs/);
    writeFileSync(copy, '[]');
    expect(() => readArchiveManifest(copy)).toThrow(/is not an archive manifest/);
  });

  it('re-hashes archived records from the start of the log, and finds one rewritten in an archive file', () => {
    const second = join(scenario.archiveDir, 'audit-000000000007-000000000012.manifest.json');
    expect(archiveRecordsProblem(second)).toBeNull();
    // Someone with the archive files: edits record 3, recomputes the chain after it and the file's SHA-256 in the manifest.
    const copyDir = mkdtempSync(join(tmpdir(), 'once-archive-copy-'));
    for (const name of readdirSync(scenario.archiveDir).filter((file) => file.startsWith('audit-')))
      copyFileSync(join(scenario.archiveDir, name), join(copyDir, name));
    const ndjson = join(copyDir, 'audit-000000000001-000000000006.ndjson');
    const records = readFileSync(ndjson, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditRecord);
    const rewritten = rechain(records.map((record) => (record.seq === 3 ? { ...record, officer: 'nobody' } : record)));
    writeFileSync(ndjson, `${rewritten.map((record) => JSON.stringify(record)).join('\n')}\n`);
    const manifestFile = join(copyDir, 'audit-000000000001-000000000006.manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      manifestFile,
      JSON.stringify({ ...manifest, sha256: createHash('sha256').update(readFileSync(ndjson)).digest('hex'), lastHash: rewritten.at(-1)?.hash }),
    );
    expect(archiveRecordsProblem(join(copyDir, 'audit-000000000007-000000000012.manifest.json'))).toBe(
      'audit-000000000001-000000000006.ndjson: records 1 to 6 do not rebuild the state its manifest states (and its checkpoint signs)',
    );
  });

  it('keeps the append-only guard on every partition, and finds a partition an insider dropped without archiving', async () => {
    await expect(scratch.db.query('TRUNCATE audit.records_2026_11')).rejects.toThrow(/append-only: TRUNCATE is refused/);
    await expect(scratch.db.query("UPDATE audit.records SET officer = 'x' WHERE seq = 13")).rejects.toThrow(/append-only: UPDATE is refused/);
    const result = await verifyTampered(
      scratch.db,
      (tx) => tx.exec('DROP TABLE audit.records_2026_11'),
      (tx) => verifyChain(tx, scenario.trust),
    );
    expect(result.firstBroken).toMatchObject({ seq: 13, kind: 'TRUNCATED' });
  });
});

describe('retention on the embedded PGlite (npm start)', () => {
  let db: Database;
  let scenario: Awaited<ReturnType<typeof retentionScenario>>;
  beforeAll(async () => {
    db = await openPglite();
    scenario = await retentionScenario(db);
  });
  afterAll(() => db?.close());

  it('partitions, archives, drops and verifies the same way', async () => {
    expect(scenario.archived.map((manifest) => manifest.lastSeq)).toEqual([6, 12]);
    expect((await monthPartitions(db)).map((partition) => partition.name)).toEqual(['records_2026_11', 'records_2026_12']);
    expect(await verifyChain(db, scenario.trust)).toMatchObject({ ok: true, checked: 6, checkpoint: { treeSize: 18 } });
  });

  it('archives nothing that no witnessed checkpoint covers yet', async () => {
    const unsigned = createAuditWriter({ db, flushMs: 0, maxBatch: 1, log: silentLog });
    await unsigned.append(entry(19, '2025-03-01T00:00:00.000Z'));
    await unsigned.close();
    await expect(
      archiveExpiredMonths(db, { retentionMonths: 3, archiveDir: scenario.archiveDir, now: new Date('2026-11-26T00:00:00Z'), ...scenario.trust }),
    ).rejects.toThrow('records_2025_03 ends at record 19, which no witnessed checkpoint covers yet; try again after the next checkpoint');
    expect((await monthPartitions(db)).map((partition) => partition.name)).toEqual([
      'records_2025_03',
      'records_2025_04',
      'records_2026_11',
      'records_2026_12',
    ]);
  });

  it('archives every month, stragglers included, and the writer continues the log from the newest archive', async () => {
    const signed = writerFor(db, scenario.keys);
    await signed.append(entry(20, '2026-11-20T00:00:00.000Z'));
    await signed.close();
    const later = new Date('2027-06-01T00:00:00Z');
    const archived = await archiveExpiredMonths(db, { retentionMonths: 3, archiveDir: scenario.archiveDir, now: later, ...scenario.trust });
    // 2025_03 holds record 19 but records 13 to 18 (of 2026_11) come before it, so its archive takes them too.
    expect(archived.map(({ partitions, firstSeq, lastSeq }) => ({ partitions, firstSeq, lastSeq }))).toEqual([
      { partitions: ['records_2025_03'], firstSeq: 13, lastSeq: 19 },
      { partitions: ['records_2026_11'], firstSeq: 20, lastSeq: 20 },
    ]);
    expect(await monthPartitions(db)).toEqual([]);
    const next = writerFor(db, scenario.keys);
    expect(await next.append(entry(21, later.toISOString()))).toBe(21);
    await next.close();
    expect(await verifyChain(db, scenario.trust)).toMatchObject({ ok: true, checked: 1, checkpoint: { treeSize: 21 } });
  });
});

describe('migration 002 on a log written before it', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  afterAll(() => scratch?.drop());

  it('moves the existing records into month partitions, keeps them append-only, and builds their tree on the next write', async () => {
    scratch = await scratchDatabase();
    const all = gatewayMigrations.find((set) => set.name === 'audit');
    if (!all) throw new Error('no audit migrations');
    const only001 = mkdtempSync(join(tmpdir(), 'once-audit-001-'));
    mkdirSync(only001, { recursive: true });
    copyFileSync(join(all.migrations, '001_audit_log.sql'), join(only001, '001_audit_log.sql'));
    await migrate(scratch.db, 'audit', only001);
    let previousHash = GENESIS_HASH;
    for (const [index, at] of ['2026-09-30T23:59:59.000Z', '2026-10-01T00:00:00.000Z', '2026-10-02T00:00:00.000Z'].entries()) {
      const seq = index + 1;
      const old = entry(seq, at);
      const hash = chainHash(previousHash, seq, old);
      await scratch.db.query(
        `INSERT INTO audit.records (seq, request_id, at, principal, client_id, officer, purpose, case_number, operation_name, operation_hash, coordinates, subjects, outcome, error_codes, subgraphs, duration_ms, previous_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
        [
          seq,
          old.requestId,
          old.at,
          old.principal,
          old.clientId,
          old.officer,
          old.purpose,
          old.caseNumber,
          old.operationName,
          old.operationHash,
          old.coordinates,
          old.subjects,
          old.outcome,
          old.errorCodes,
          old.subgraphs,
          old.durationMs,
          previousHash,
          hash,
        ],
      );
      previousHash = hash;
    }
    for (const set of gatewayMigrations) await migrate(scratch.db, set.name, set.migrations);
    expect((await monthPartitions(scratch.db)).map(({ name, records }) => ({ name, records }))).toEqual([
      { name: 'records_2026_09', records: 1 },
      { name: 'records_2026_10', records: 2 },
    ]);
    await expect(scratch.db.query('DELETE FROM audit.records WHERE seq = 1')).rejects.toThrow(/append-only: DELETE is refused/);
    await expect(scratch.db.query('TRUNCATE audit.records_2026_09')).rejects.toThrow(/append-only: TRUNCATE is refused/);
    expect(await treeSize(scratch.db)).toBe(0);

    const keys = auditKeys();
    const writer = writerFor(scratch.db, keys);
    await writer.append(entry(4));
    await writer.close();
    expect(await treeSize(scratch.db)).toBe(4);
    expect(await verifyChain(scratch.db, { publicKey: keys.publicKey, witnesses: [fileWitness(keys.witnessFile)] })).toMatchObject({
      ok: true,
      checked: 4,
      checkpoint: { treeSize: 4 },
      warnings: [],
    });
  });
});
