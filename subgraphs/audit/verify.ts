import type { KeyObject } from 'node:crypto';
import type { Queryable } from '../../platform';
import { chainHash, GENESIS_HASH, type AuditRecord } from './chain';
import { checkpointProblem, type Checkpoint } from './checkpoints';
import { inclusionRanges, MerkleFrontier, verifyConsistency, verifyInclusion } from './merkle';
import { hashOf, latestArchive, readChainWithLeaves, readTreeNodes, treeSize, type RecordWithLeaf } from './repository';
import { consistencyProof, loadFrontier, recordLeaf, storedRangeHashes } from './tree';
import { archiveManifestSchema, type ArchiveManifest } from './archive-manifest';
import { collectCheckpoints, type Witness } from './witness';

/** What verification found wrong with a record (or the log around it). */
export type FindingKind = 'EDITED' | 'DELETED' | 'INSERTED' | 'REORDERED' | 'TRUNCATED' | 'UNTRUSTED_BASE';

export interface ChainVerification {
  ok: boolean;
  /** Records checked, up to and including the first broken one. */
  checked: number;
  firstBroken: { seq: number; kind: FindingKind; reason: string } | null;
  /** The newest witnessed checkpoint the records were checked against; null when there was none to check against. */
  checkpoint: Checkpoint | null;
  /** Tree sizes at which two checkpoints signed by the audit key disagree: the log was forked (shown two histories). */
  forks: Array<{ treeSize: number; rootHashes: string[] }>;
  /** What limits the result without being a broken record: unreadable witnesses, records not yet checkpointed. */
  warnings: string[];
}

export interface VerifyOptions {
  fromSeq?: number | null;
  toSeq?: number | null;
  /** The audit public key; null checks the hash chain alone (and says so). */
  publicKey: KeyObject | null;
  witnesses: readonly Witness[];
  /** The archive the remaining log continues from; default the newest one recorded in the database. */
  base?: ArchiveManifest | null;
  onProgress?: (checked: number) => void;
}

const PAGE = 5_000;

interface Start {
  seq: number;
  previousHash: string;
  frontier: MerkleFrontier | null;
}

type Finding = NonNullable<ChainVerification['firstBroken']>;

/**
 * Checks the records against the checkpoints the witnesses hold (trusting only those the audit key signed): every
 * record is hashed once, the chain is followed, and the Merkle tree is rebuilt as the records stream past, so each
 * witnessed checkpoint is compared with the root of exactly the records it claims. The log may start after an
 * archive (retention) or at `fromSeq`; that start is tied to a signed checkpoint by a consistency proof.
 *
 * Where the tree the database holds is still the one the checkpoints signed, a mismatch is named precisely: an
 * edited, deleted, inserted or reordered record. Where the tree was rewritten too, the range between the last
 * matching checkpoint and the first failing one is named. Records after the newest witnessed checkpoint are
 * checked only by the chain.
 */
export async function verifyChain(db: Queryable, options: VerifyOptions): Promise<ChainVerification> {
  const warnings: string[] = [];
  const witnessed = options.publicKey
    ? await collectCheckpoints(options.witnesses, options.publicKey)
    : { checkpoints: [], forks: [], problems: ['no audit public key: only the hash chain is checked, not the signed checkpoints'] };
  warnings.push(...witnessed.problems);
  const checkpoints = witnessed.checkpoints.filter((checkpoint) => !witnessed.forks.some((fork) => fork.treeSize === checkpoint.treeSize));
  const result = (checked: number, firstBroken: Finding | null, checkpoint: Checkpoint | null): ChainVerification => ({
    ok: firstBroken === null && witnessed.forks.length === 0,
    checked,
    firstBroken,
    checkpoint,
    forks: witnessed.forks,
    warnings,
  });

  const stored = options.base === undefined ? await latestArchive(db) : undefined;
  const storedManifest = stored ? archiveManifestSchema.safeParse(stored.manifest) : null;
  if (stored && !storedManifest?.success)
    return result(
      0,
      { seq: stored.lastSeq, kind: 'UNTRUSTED_BASE', reason: `the archive the database records as ending at record ${stored.lastSeq} has no valid manifest` },
      null,
    );
  const base = options.base === undefined ? (storedManifest?.data ?? null) : options.base;
  const start = await startOf(db, options, base, checkpoints, warnings);
  if ('kind' in start) return result(0, start, null);
  const toSeq = options.toSeq ?? Number.MAX_SAFE_INTEGER;
  const ahead = checkpoints.filter((checkpoint) => checkpoint.treeSize > start.seq && checkpoint.treeSize <= toSeq);
  const treeLeaves = await treeSize(db);
  const { frontier } = start;
  let previousHash = start.previousHash;
  let expectedSeq = start.seq + 1;
  let checked = 0;
  let matched: Checkpoint | null = null;
  let next = 0;
  for (;;) {
    const page = await readChainWithLeaves(db, expectedSeq, toSeq, PAGE);
    for (const record of page) {
      checked += 1;
      const finding = await recordFinding(db, record, expectedSeq, previousHash, ahead[next] ?? null, treeLeaves);
      if (finding) return result(checked, finding, matched);
      frontier?.push(recordLeaf(record));
      previousHash = record.hash;
      expectedSeq += 1;
      const checkpoint = ahead[next];
      if (frontier && checkpoint && frontier.size === checkpoint.treeSize) {
        if (frontier.root().toString('hex') !== checkpoint.rootHash) {
          const from = (matched?.treeSize ?? start.seq) + 1;
          return result(
            checked,
            {
              seq: from,
              kind: 'EDITED',
              reason: `records ${from} to ${checkpoint.treeSize} do not match the checkpoint of ${checkpoint.treeSize} records signed at ${checkpoint.at}: at least one of them was edited, inserted, removed or moved, and the tree in the database was rewritten along with them`,
            },
            matched,
          );
        }
        matched = checkpoint;
        next += 1;
      }
    }
    options.onProgress?.(checked);
    if (page.length < PAGE) break;
  }
  const last = expectedSeq - 1;
  const unmatched = (matched?.treeSize ?? start.seq) + 1;
  const missing = ahead[next];
  if (missing && options.toSeq == null) {
    return result(
      checked,
      {
        seq: last + 1,
        kind: 'TRUNCATED',
        reason: `the log ends at record ${last}, but the checkpoint signed at ${missing.at} covers ${missing.treeSize} records: records ${last + 1} to ${missing.treeSize} were deleted`,
      },
      matched,
    );
  }
  // A range that ends between checkpoints: the next one starts from the tree the database holds at its end, so
  // that tree must be the one these records rebuild, or records edited with their leaves alone would pass both.
  // (A log with no tree yet, written before it existed, has nothing to compare.)
  if (
    frontier &&
    options.toSeq != null &&
    last >= unmatched &&
    treeLeaves >= last &&
    !(await loadFrontier(db, last).catch(() => null))?.root().equals(frontier.root())
  ) {
    return result(
      checked,
      {
        seq: unmatched,
        kind: 'EDITED',
        reason: `records ${unmatched} to ${last} do not rebuild the Merkle tree the database holds for them: at least one of them, or the tree, was changed; verify from the start to find which`,
      },
      matched,
    );
  }
  if (options.publicKey && checkpoints.length === 0) warnings.push('no witness holds a checkpoint signed by the audit key: only the hash chain was checked');
  else if (options.publicKey && last >= unmatched && !checkpoints.some((checkpoint) => checkpoint.treeSize >= last))
    warnings.push(`records ${unmatched} to ${last} are newer than the newest witnessed checkpoint: only the hash chain covers them`);
  return result(checked, null, matched);
}

/** Where checking starts, tied to a signed checkpoint when it is not the beginning of the log. */
async function startOf(
  db: Queryable,
  options: VerifyOptions,
  base: ArchiveManifest | null,
  checkpoints: readonly Checkpoint[],
  warnings: string[],
): Promise<Start | Finding> {
  const baseSeq = base?.lastSeq ?? 0;
  const fromSeq = Math.max(options.fromSeq ?? 1, baseSeq + 1);
  if (fromSeq === 1) return { seq: 0, previousHash: GENESIS_HASH, frontier: options.publicKey ? MerkleFrontier.empty() : null };
  if (base && fromSeq === baseSeq + 1) {
    const problem = baseProblem(base, options.publicKey, checkpoints);
    if (problem) return { seq: baseSeq, kind: 'UNTRUSTED_BASE', reason: `the archive ending at record ${baseSeq} cannot be the base of the log: ${problem}` };
    return {
      seq: baseSeq,
      previousHash: base.lastHash,
      frontier: MerkleFrontier.of(
        baseSeq,
        base.frontier.map((hash) => Buffer.from(hash, 'hex')),
      ),
    };
  }
  const seq = fromSeq - 1;
  const previousHash = await hashOf(db, seq);
  if (previousHash === undefined) return { seq, kind: 'DELETED', reason: `record ${seq} is missing` };
  if (!options.publicKey) return { seq, previousHash, frontier: null };
  const frontier = await loadFrontier(db, seq).catch(() => null);
  const anchor = checkpoints.find((checkpoint) => checkpoint.treeSize >= seq);
  if (!frontier || !anchor) {
    warnings.push(`no witnessed checkpoint covers record ${seq}: records from ${fromSeq} on are checked by the hash chain only`);
    return { seq, previousHash, frontier: null };
  }
  const proof = await consistencyProof(db, seq, anchor.treeSize);
  if (!verifyConsistency(seq, anchor.treeSize, frontier.root(), Buffer.from(anchor.rootHash, 'hex'), proof)) {
    return {
      seq,
      kind: 'EDITED',
      reason: `the first ${seq} records in the database's tree are not those of the checkpoint of ${anchor.treeSize} records signed at ${anchor.at}; verify from the start to find which`,
    };
  }
  return { seq, previousHash, frontier };
}

/** Null when an archive's end state is signed: its checkpoint, and a consistency proof from its size to it. */
function baseProblem(base: ArchiveManifest, publicKey: KeyObject | null, checkpoints: readonly Checkpoint[]): string | null {
  if (!publicKey) return 'no audit public key to check its checkpoint with';
  const signature = checkpointProblem(base.checkpoint, publicKey);
  if (signature) return `its checkpoint is not trusted: ${signature}`;
  const witnessed = checkpoints.find((checkpoint) => checkpoint.treeSize === base.checkpoint.treeSize);
  if (witnessed && witnessed.rootHash !== base.checkpoint.rootHash)
    return `its checkpoint of ${base.checkpoint.treeSize} records disagrees with the witnessed one`;
  let frontier: MerkleFrontier;
  try {
    frontier = MerkleFrontier.of(
      base.lastSeq,
      base.frontier.map((hash) => Buffer.from(hash, 'hex')),
    );
  } catch (error) {
    return (error as Error).message;
  }
  const proof = base.consistency.map((hash) => Buffer.from(hash, 'hex'));
  return verifyConsistency(base.lastSeq, base.checkpoint.treeSize, frontier.root(), Buffer.from(base.checkpoint.rootHash, 'hex'), proof)
    ? null
    : `its ${base.lastSeq} records are not a prefix of its signed checkpoint`;
}

/** What is wrong with `record`, if anything: its place, its link to its predecessor, its hash, its leaf. */
async function recordFinding(
  db: Queryable,
  record: RecordWithLeaf,
  expectedSeq: number,
  previousHash: string,
  covering: Checkpoint | null,
  treeLeaves: number,
): Promise<Finding | null> {
  const { seq } = record;
  if (seq > expectedSeq) return { seq: expectedSeq, kind: 'DELETED', reason: `record ${expectedSeq} is missing: the chain jumps to ${seq}` };
  if (seq < expectedSeq) return { seq, kind: 'INSERTED', reason: `a second record numbered ${seq} was inserted` };
  if (record.previousHash !== previousHash)
    return { seq, kind: 'REORDERED', reason: `its previous hash is not the hash of record ${seq - 1}: records were removed or reordered` };
  if (chainHash(previousHash, seq, record) !== record.hash)
    return { seq, kind: 'EDITED', reason: 'its content does not match its hash: the record was altered' };
  // The chain holds; whoever rewrote it with the public hash function still cannot match the leaves the checkpoints signed.
  if (record.storedLeaf === null && treeLeaves > 0)
    return { seq, kind: 'INSERTED', reason: `record ${seq} has no leaf in the Merkle tree: it was inserted outside the gateway's writer` };
  if (record.storedLeaf !== null && record.storedLeaf !== recordLeaf(record).toString('hex')) return classify(db, record, covering);
  return null;
}

/** Whether the tree's leaf `index` is the one the checkpoint signed (an inclusion proof from the stored tree). */
async function authenticLeaf(db: Queryable, index: number, checkpoint: Checkpoint | null): Promise<Buffer | null> {
  if (!checkpoint || index < 0 || index >= checkpoint.treeSize) return null;
  const ranges = inclusionRanges(index, checkpoint.treeSize);
  const stored = await readTreeNodes(db, [{ level: 0, index }]);
  const leaf = stored.values().next().value;
  if (!leaf) return null;
  const path = await storedRangeHashes(db, ranges).catch(() => null);
  if (!path) return null;
  return verifyInclusion(index, checkpoint.treeSize, leaf, path, Buffer.from(checkpoint.rootHash, 'hex')) ? leaf : null;
}

/**
 * A record whose content is not the leaf the tree holds for its place. With the signed leaves around it (and the
 * record after it), tell an edit from a deletion, an insertion or a swap: leaves include the seq, so a record that
 * moved matches the leaf of the place it came from.
 */
async function classify(db: Queryable, record: AuditRecord, covering: Checkpoint | null): Promise<Finding> {
  const { seq } = record;
  const [here, after] = await Promise.all([authenticLeaf(db, seq - 1, covering), authenticLeaf(db, seq, covering)]);
  if (!here)
    return {
      seq,
      kind: 'EDITED',
      reason: `record ${seq} does not match the leaf the Merkle tree holds for it, and no witnessed checkpoint vouches for that leaf: the record or the tree was changed`,
    };
  const [following] = (await readChainWithLeaves(db, seq + 1, seq + 1, 1)) as Array<AuditRecord | undefined>;
  const movedUp = after !== null && recordLeaf({ ...record, seq: seq + 1 }).equals(after);
  const followingWasHere = following !== undefined && recordLeaf({ ...following, seq }).equals(here);
  if (movedUp && followingWasHere) return { seq, kind: 'REORDERED', reason: `records ${seq} and ${seq + 1} were swapped` };
  if (movedUp)
    return {
      seq,
      kind: 'DELETED',
      reason: `record ${seq} was deleted and the records after it renumbered (record ${seq} now holds what was record ${seq + 1})`,
    };
  if (followingWasHere)
    return {
      seq,
      kind: 'INSERTED',
      reason: `record ${seq} was inserted and the records after it renumbered (record ${seq + 1} now holds what was record ${seq})`,
    };
  return {
    seq,
    kind: 'EDITED',
    reason: `record ${seq} was edited: its content is not what the signed checkpoint of ${String(covering?.treeSize)} records committed to`,
  };
}
