import { createHash, type KeyObject } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Database } from '../../platform';
import { chainHash, GENESIS_HASH, type AuditRecord } from './chain';
import { archiveManifestSchema, type ArchiveManifest } from './archive-manifest';
import { MerkleFrontier, verifyConsistency } from './merkle';
import { dropMonthPartition, insertArchive, latestArchive, monthPartitions, pruneTreeNodes, readChain, type MonthPartition } from './repository';
import { consistencyProof, recordLeaf } from './tree';
import { collectCheckpoints, type Witness } from './witness';

export interface RetentionOptions {
  /** Months kept: partitions of months that ended at least this many months before `now` are archived and dropped. */
  retentionMonths: number;
  archiveDir: string;
  publicKey: KeyObject;
  witnesses: readonly Witness[];
  now?: Date;
  /** Records archived so far, of the records the expired partitions hold. */
  onProgress?: (archived: number, total: number) => void;
}

export class RetentionError extends Error {
  override readonly name = 'RetentionError';
}

const PAGE = 5_000;

/** The first day (YYYY-MM-01) of the oldest month retention keeps. */
function retentionCutoff(now: Date, retentionMonths: number): string {
  const cutoff = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - retentionMonths, 1));
  return cutoff.toISOString().slice(0, 10);
}

/**
 * Retention: each month partition older than the cutoff, oldest first, is archived and then dropped. An archive holds
 * every record from the previous archive's end to the partition's newest seq (stragglers from the next month
 * included), and is written only when those records rebuild a tree that a witnessed checkpoint covers (a consistency
 * proof); the NDJSON and its manifest are on disk, read back and hashed, before the partition is dropped and the
 * archived part of the Merkle tree pruned to the roots that cover it (`pruneTreeNodes`).
 */
export async function archiveExpiredMonths(db: Database, options: RetentionOptions): Promise<ArchiveManifest[]> {
  if (!Number.isInteger(options.retentionMonths) || options.retentionMonths < 1)
    throw new RetentionError(`AUDIT_RETENTION_MONTHS must be at least 1 to archive anything; got ${options.retentionMonths}`);
  const cutoff = retentionCutoff(options.now ?? new Date(), options.retentionMonths);
  const expired = (await monthPartitions(db)).filter((partition) => partition.month < cutoff);
  const archived: ArchiveManifest[] = [];
  const total = expired.reduce((sum, partition) => sum + partition.records, 0);
  let done = 0;
  for (const partition of expired) {
    const manifest = await archivePartition(db, partition, options, (records) => options.onProgress?.(done + records, total));
    if (manifest) {
      archived.push(manifest);
      done += manifest.records;
    }
  }
  return archived;
}

async function archivePartition(
  db: Database,
  partition: MonthPartition,
  options: RetentionOptions,
  onProgress: (records: number) => void,
): Promise<ArchiveManifest | null> {
  const previous = await latestArchive(db);
  const base = previous ? archiveManifestSchema.parse(previous.manifest) : null;
  if (partition.maxSeq === null || partition.maxSeq <= (base?.lastSeq ?? 0)) {
    await db.transaction((tx) => dropMonthPartition(tx, partition.name));
    return null;
  }
  const witnessed = await collectCheckpoints(options.witnesses, options.publicKey);
  if (witnessed.forks.length > 0)
    throw new RetentionError(
      `witnesses hold forked checkpoints (sizes ${witnessed.forks.map((fork) => fork.treeSize).join(', ')}): nothing is archived until that is resolved`,
    );
  const lastSeq = partition.maxSeq;
  const checkpoint = witnessed.checkpoints.find((candidate) => candidate.treeSize >= lastSeq);
  if (!checkpoint)
    throw new RetentionError(`${partition.name} ends at record ${lastSeq}, which no witnessed checkpoint covers yet; try again after the next checkpoint`);

  mkdirSync(options.archiveDir, { recursive: true });
  const firstSeq = (base?.lastSeq ?? 0) + 1;
  const name = `audit-${String(firstSeq).padStart(12, '0')}-${String(lastSeq).padStart(12, '0')}`;
  const file = join(options.archiveDir, `${name}.ndjson`);
  const lines: string[] = [];
  const state = stateAfter(base);
  for (let seq = firstSeq; seq <= lastSeq;) {
    const page: AuditRecord[] = await readChain(db, seq, lastSeq, PAGE);
    for (const record of page) {
      if (!extend(state, record, seq))
        throw new RetentionError(`record ${seq} is missing or broken: run \`audit verify\`; nothing is archived from a damaged log`);
      lines.push(JSON.stringify(record));
      seq += 1;
    }
    onProgress(seq - firstSeq);
    if (page.length === 0) throw new RetentionError(`record ${seq} is missing: run \`audit verify\`; nothing is archived from a damaged log`);
  }
  const proof = await consistencyProof(db, lastSeq, checkpoint.treeSize);
  if (!verifyConsistency(lastSeq, checkpoint.treeSize, state.frontier.root(), Buffer.from(checkpoint.rootHash, 'hex'), proof)) {
    throw new RetentionError(
      `records ${firstSeq} to ${lastSeq} do not match the checkpoint of ${checkpoint.treeSize} records signed at ${checkpoint.at}: run \`audit verify\`; nothing is archived`,
    );
  }

  const body = `${lines.join('\n')}\n`;
  writeFileSync(`${file}.partial`, body);
  renameSync(`${file}.partial`, file);
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  if (sha256 !== createHash('sha256').update(body).digest('hex')) throw new RetentionError(`${file} does not read back as written; the partition is kept`);
  const manifest: ArchiveManifest = {
    version: 1,
    partitions: [partition.name],
    firstSeq,
    lastSeq,
    records: lines.length,
    lastHash: state.previousHash,
    frontier: state.frontier.edge.map((hash) => hash.toString('hex')),
    checkpoint,
    consistency: proof.map((hash) => hash.toString('hex')),
    file: basename(file),
    sha256,
  };
  writeFileSync(join(options.archiveDir, `${name}.manifest.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  await db.transaction(async (tx) => {
    await insertArchive(tx, { firstSeq, lastSeq, manifest });
    await dropMonthPartition(tx, partition.name);
    // The tree of the archived records, but for what retained proofs and appends build on (archives made before
    // pruning existed are pruned here too: everything up to the newest archive).
    await pruneTreeNodes(tx, lastSeq);
  });
  return manifest;
}

/** An archive manifest file, checked against its NDJSON file beside it. */
export function readArchiveManifest(file: string): ArchiveManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new RetentionError(`${file} is not a readable JSON archive manifest: ${(error as Error).message}`);
  }
  const result = archiveManifestSchema.safeParse(parsed);
  if (!result.success)
    throw new RetentionError(
      `${file} is not an archive manifest: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  const data = join(file, '..', basename(result.data.file));
  let sha256: string;
  try {
    sha256 = createHash('sha256').update(readFileSync(data)).digest('hex');
  } catch {
    throw new RetentionError(`the archive's records file ${data} cannot be read`);
  }
  if (sha256 !== result.data.sha256) throw new RetentionError(`${data} is not the file the manifest describes: its SHA-256 differs`);
  return result.data;
}

/** The log rebuilt up to some record: the chain hash and the Merkle frontier after it. */
interface LogState {
  frontier: MerkleFrontier;
  previousHash: string;
}

/** The state after an archive's last record, or the empty log's. */
function stateAfter(archive: ArchiveManifest | null): LogState {
  if (!archive) return { frontier: MerkleFrontier.empty(), previousHash: GENESIS_HASH };
  return {
    frontier: MerkleFrontier.of(
      archive.lastSeq,
      archive.frontier.map((hash) => Buffer.from(hash, 'hex')),
    ),
    previousHash: archive.lastHash,
  };
}

/** Adds `record` to the rebuilt log when it is record `seq` and chains onto the state; false (state unchanged) otherwise. */
function extend(state: LogState, record: AuditRecord, seq: number): boolean {
  if (record.seq !== seq || record.previousHash !== state.previousHash || chainHash(state.previousHash, seq, record) !== record.hash) return false;
  state.frontier.push(recordLeaf(record));
  state.previousHash = record.hash;
  return true;
}

/** The last seq a manifest file states, or null for a file that is not a manifest. */
function endsAt(file: string): number | null {
  try {
    return archiveManifestSchema.safeParse(JSON.parse(readFileSync(file, 'utf8'))).data?.lastSeq ?? null;
  } catch {
    return null;
  }
}

/**
 * Null when the archive's records, hashed from the start of the log (through the archives before it, found beside
 * it), rebuild exactly the chain hash and Merkle frontier its manifest states; `audit verify` ties that state to a
 * signed checkpoint, so together they prove the archived records are the ones the log committed to.
 */
export function archiveRecordsProblem(file: string): string | null {
  const manifest = readArchiveManifest(file);
  let previous: ArchiveManifest | null = null;
  if (manifest.firstSeq > 1) {
    const previousFile = readdirSync(dirname(file))
      .filter((name) => name.endsWith('.manifest.json'))
      .map((name) => join(dirname(file), name))
      .find((candidate) => endsAt(candidate) === manifest.firstSeq - 1);
    if (!previousFile) return `the archive before it (ending at record ${manifest.firstSeq - 1}) is not beside it`;
    const earlier = archiveRecordsProblem(previousFile);
    if (earlier) return earlier;
    previous = readArchiveManifest(previousFile);
  }
  const state = stateAfter(previous);
  const lines = readFileSync(join(dirname(file), manifest.file), 'utf8')
    .split('\n')
    .filter(Boolean);
  for (const [index, line] of lines.entries()) {
    const seq = manifest.firstSeq + index;
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {
      return `${manifest.file} line ${index + 1} is not JSON`;
    }
    if (!extend(state, record, seq)) return `${manifest.file}: record ${seq} is missing, altered or moved (line ${index + 1})`;
  }
  const rebuilt = state.frontier.edge.map((hash) => hash.toString('hex'));
  if (state.frontier.size !== manifest.lastSeq || state.previousHash !== manifest.lastHash || JSON.stringify(rebuilt) !== JSON.stringify(manifest.frontier)) {
    return `${manifest.file}: records ${manifest.firstSeq} to ${manifest.lastSeq} do not rebuild the state its manifest states (and its checkpoint signs)`;
  }
  return null;
}
