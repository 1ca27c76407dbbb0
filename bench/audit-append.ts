import { generateKeyPairSync, randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  createAuditWriter,
  type AuditWriter,
  type AuditEntry,
  signCheckpoint,
  leafHash,
  MerkleFrontier,
  countRecords,
  recordLeaf,
  verifyChain,
} from '../subgraphs/audit';
import { auditTelemetry, gatewayMigrations } from '../gateway';
import { openPostgres, createLogger, migrate } from '../platform';

/**
 * The append rate of the one audit chain (hash chain + Merkle tree, group commit under the chain lock) with 1, 4 and
 * 16 writers appending at once (as 1, 4 and 16 gateway processes would), each with BENCH_IN_FLIGHT appends waiting;
 * then what a checkpoint costs (root of the frontier + Ed25519 signature) and how fast `audit verify` goes over what
 * was written. `npm run bench:audit`; its own database, created and dropped. BENCH_DURATION_S per writer count (5).
 */
const DURATION_MS = Number(process.env.BENCH_DURATION_S ?? 5) * 1_000;
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const log = createLogger('bench', 'warn', 2);
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
const name = `once_bench_audit_${randomBytes(3).toString('hex')}`;
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const db = openPostgres(`postgres://postgres@127.0.0.1:5432/${name}`, 20, log);
const { privateKey } = generateKeyPairSync('ed25519');

function entry(index: number): AuditEntry {
  return {
    requestId: randomBytes(8).toString('hex'),
    at: new Date().toISOString(),
    principal: 'client:bench-portal',
    clientId: 'bench-portal',
    officer: 'can-bo-01',
    purpose: '1.900011',
    caseNumber: `HS-2026-${index}`,
    operationName: 'Enrolment',
    operationHash: 'ab'.repeat(32),
    coordinates: ['Citizen.dateOfBirth', 'Citizen.documentCheck', 'Citizen.fullName', 'Query.citizen'],
    subjects: ['001090123456'],
    outcome: 'OK',
    errorCodes: [],
    subgraphs: ['population', 'procedures'],
    durationMs: 12,
  };
}

/** CPU time (user + system) of this process while `work` runs: steadier than wall time on a shared machine. */
function cpuMicroseconds(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const { user, system } = process.cpuUsage(before);
  return user + system;
}

/** Appends for DURATION_MS with `writers` writers, each keeping IN_FLIGHT appends waiting; records per second. */
async function appendRate(writers: number): Promise<{ perSecond: number; records: number }> {
  const instances: AuditWriter[] = Array.from({ length: writers }, () =>
    createAuditWriter({ db, flushMs: 4, maxBatch: 500, log, checkpoints: { key: privateKey, everyMs: 1_000, witnesses: [] }, telemetry: auditTelemetry }),
  );
  const stopAt = performance.now() + DURATION_MS;
  let records = 0;
  const started = performance.now();
  await Promise.all(
    instances.flatMap((writer) =>
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < stopAt) {
          await writer.append(entry(records));
          records += 1;
        }
      }),
    ),
  );
  const elapsed = (performance.now() - started) / 1_000;
  await Promise.all(instances.map((writer) => writer.close()));
  return { perSecond: Math.round(records / elapsed), records };
}

try {
  for (const set of gatewayMigrations) await migrate(db, set.name, set.migrations);
  const rows: string[] = [];
  for (const writers of [1, 4, 16]) {
    const { perSecond, records } = await appendRate(writers);
    rows.push(`| ${writers} | ${writers * IN_FLIGHT} | ${records} | ${perSecond} |`);
    process.stderr.write(`${writers} writer(s): ${perSecond} records/s\n`);
  }

  // A checkpoint is the frontier's root (at most ~log2(n) node hashes) plus one Ed25519 signature.
  const frontier = MerkleFrontier.empty();
  for (let index = 0; index < 1_000_003; index += 1) frontier.push(leafHash(String(index)));
  const SIGNATURES = 2_000;
  const checkpointUs =
    cpuMicroseconds(() => {
      for (let index = 0; index < SIGNATURES; index += 1) signCheckpoint(privateKey, frontier.size, frontier.root().toString('hex'));
    }) / SIGNATURES;
  const rootUs =
    cpuMicroseconds(() => {
      for (let index = 0; index < SIGNATURES; index += 1) frontier.root();
    }) / SIGNATURES;

  // What the tree adds to each record in the writer: a salt, the leaf (canonical form with committed subjects), its nodes.
  const LEAVES = 100_000;
  const tree = MerkleFrontier.empty();
  const perRecordUs =
    cpuMicroseconds(() => {
      for (let index = 0; index < LEAVES; index += 1) tree.push(recordLeaf({ ...entry(index), seq: index + 1, subjectSalt: randomBytes(16).toString('hex') }));
    }) / LEAVES;

  const total = await countRecords(db);
  const verifyStarted = performance.now();
  const verified = await verifyChain(db, { publicKey: null, witnesses: [] });
  const verifySeconds = (performance.now() - verifyStarted) / 1_000;

  process.stdout.write(
    [
      '',
      `Append rate of one chain, ${DURATION_MS / 1_000} s per row, group commit AUDIT_FLUSH_MS=4, AUDIT_MAX_BATCH=500, a checkpoint every second:`,
      '| writers | appends waiting | records | records/s |',
      '|---|---|---|---|',
      ...rows,
      '',
      `Tree work per record in the writer (salt, leaf with committed subjects, nodes): ${perRecordUs.toFixed(1)} µs (CPU time, entry construction included)`,
      `Checkpoint of a tree of ${frontier.size} leaves: ${checkpointUs.toFixed(1)} µs (root alone ${rootUs.toFixed(1)} µs, the rest is the Ed25519 signature; CPU time)`,
      `verify: ${verified.checked} of ${total} records in ${verifySeconds.toFixed(2)} s (${Math.round(verified.checked / verifySeconds)} records/s), ok=${String(verified.ok)}`,
      '',
    ].join('\n'),
  );
} finally {
  await db.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
