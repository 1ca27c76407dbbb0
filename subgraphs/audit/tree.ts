import { createHash, createHmac, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../../platform';
import { AUDIT_OUTCOMES, canonicalRecord, type AuditEntry, type AuditRecord } from './chain';
import { checkpointProblem, checkpointSchema, type Checkpoint } from './checkpoints';
import {
  consistencyRanges,
  inclusionRanges,
  leafHash,
  MerkleFrontier,
  nodeKey,
  nodesFor,
  rangeHash,
  rangeNodes,
  verifyInclusion,
  type TreeNode,
} from './merkle';
import { readTreeNodes } from './repository';

/** The salt of one subject's commitment: derived from the record's secret salt, so revealing it reveals no other. */
export function subjectSaltOf(recordSalt: string, subject: string): string {
  return createHmac('sha256', recordSalt).update(subject).digest('hex');
}

export function subjectCommitment(salt: string, subject: string): string {
  return createHash('sha256').update(`${salt}:${subject}`).digest('hex');
}

/** The subjects as the leaf holds them: salted commitments, sorted (the IDs themselves for records without a salt). */
export function committedSubjects(record: Pick<AuditRecord, 'subjects' | 'subjectSalt'>): string[] {
  const { subjectSalt } = record;
  if (subjectSalt === null) return [...record.subjects];
  return record.subjects.map((subject) => subjectCommitment(subjectSaltOf(subjectSalt, subject), subject)).sort();
}

function leafOf(seq: number, entry: AuditEntry, subjects: string[]): Buffer {
  return leafHash(canonicalRecord(seq, { ...entry, subjects }));
}

/** The Merkle leaf of a record: its canonical form (as its chain hash covers it), with the subjects committed. */
export function recordLeaf(record: AuditEntry & Pick<AuditRecord, 'seq' | 'subjectSalt'>): Buffer {
  return leafOf(record.seq, record, committedSubjects(record));
}

/** Hashes of each list of ranges of the stored tree, all in one query; throws when a node is missing. */
async function storedRangeHashLists(db: Queryable, lists: ReadonlyArray<ReadonlyArray<[number, number]>>): Promise<Buffer[][]> {
  const stored = await readTreeNodes(db, nodesFor(lists.flat()));
  const node = (at: TreeNode) => {
    const hash = stored.get(nodeKey(at));
    if (!hash) throw new Error(`the audit tree has no node at level ${at.level}, index ${at.index}`);
    return hash;
  };
  return lists.map((ranges) => ranges.map(([start, end]) => rangeHash(start, end, node)));
}

/** Hashes of the given ranges of the stored tree, in one query; throws when a node is missing. */
export async function storedRangeHashes(db: Queryable, ranges: ReadonlyArray<[number, number]>): Promise<Buffer[]> {
  const [hashes] = await storedRangeHashLists(db, [ranges]);
  return hashes ?? [];
}

/** The right edge of the stored tree at `size` leaves. */
export async function loadFrontier(db: Queryable, size: number): Promise<MerkleFrontier> {
  const ranges = rangeNodes(0, size).map(({ level, index }): [number, number] => [index * 2 ** level, (index + 1) * 2 ** level]);
  return MerkleFrontier.of(size, await storedRangeHashes(db, ranges));
}

export async function consistencyProof(db: Queryable, from: number, to: number): Promise<Buffer[]> {
  return storedRangeHashes(db, consistencyRanges(from, to));
}

/** Everything needed to check, offline and with only the audit public key, that a record is in the log. */
export interface InclusionProof {
  version: 1;
  /** The record as the holder of the proof may see it: `subjects` are only the revealed ones. */
  record: Omit<AuditRecord, 'subjectSalt'>;
  /** Every subject commitment of the leaf, and the salts of those revealed (each subject's own). */
  subjectCommitments: string[];
  revealed: Array<{ subject: string; salt: string }>;
  leafIndex: number;
  treeSize: number;
  /** Hex, bottom up (RFC 9162 §2.1.3.1). */
  auditPath: string[];
  rootHash: string;
  checkpoint: Checkpoint;
}

/**
 * Proofs that each record is in the tree of `checkpoint`, with one query for all their paths, revealing only the
 * subjects `reveal` accepts (a citizen: their own ID; an auditor: all). Null for a record the checkpoint does not
 * cover yet, or written before subjects were committed.
 */
export async function proveInclusions(
  db: Queryable,
  records: readonly AuditRecord[],
  checkpoint: Checkpoint,
  reveal: (subject: string) => boolean,
): Promise<Array<InclusionProof | null>> {
  const provable = (record: AuditRecord) => record.seq <= checkpoint.treeSize && record.subjectSalt !== null;
  const paths = await storedRangeHashLists(
    db,
    records.map((record) => (provable(record) ? inclusionRanges(record.seq - 1, checkpoint.treeSize) : [])),
  );
  return records.map((record, index) => {
    const { subjectSalt, ...visible } = record;
    if (!provable(record) || subjectSalt === null) return null;
    const subjects = record.subjects.filter(reveal);
    return {
      version: 1,
      record: { ...visible, subjects },
      subjectCommitments: committedSubjects(record),
      revealed: subjects.map((subject) => ({ subject, salt: subjectSaltOf(subjectSalt, subject) })),
      leafIndex: record.seq - 1,
      treeSize: checkpoint.treeSize,
      auditPath: (paths[index] ?? []).map((hash) => hash.toString('hex')),
      rootHash: checkpoint.rootHash,
      checkpoint,
    };
  });
}

const HEX = z.string().regex(/^[0-9a-f]{64}$/);
const stringOrNull = z.string().nullable();

/** The shape of a proof file; anything else is refused before any hashing. */
export const inclusionProofSchema = z.object({
  version: z.literal(1),
  record: z
    .object({
      seq: z.number().int().min(1),
      requestId: z.string(),
      at: z.string(),
      principal: z.string(),
      clientId: stringOrNull,
      officer: stringOrNull,
      purpose: stringOrNull,
      caseNumber: stringOrNull,
      operationName: stringOrNull,
      operationHash: stringOrNull,
      coordinates: z.array(z.string()),
      subjects: z.array(z.string()),
      outcome: z.enum(AUDIT_OUTCOMES),
      errorCodes: z.array(z.string()),
      subgraphs: z.array(z.string()),
      durationMs: z.number().int(),
      previousHash: HEX,
      hash: HEX,
    })
    .loose(),
  subjectCommitments: z.array(HEX),
  revealed: z.array(z.object({ subject: z.string(), salt: HEX })),
  leafIndex: z.number().int().min(0),
  treeSize: z.number().int().min(1),
  auditPath: z.array(HEX).max(64),
  rootHash: HEX,
  checkpoint: checkpointSchema,
});

/**
 * Null when the proof shows its record in the log under a checkpoint signed by `publicKey`; otherwise what fails.
 * The record is hashed as the log hashes it (`canonicalRecord`), so any change to it makes the proof fail.
 */
export function inclusionProofProblem(proof: InclusionProof, publicKey: KeyObject): string | null {
  const signature = checkpointProblem(proof.checkpoint, publicKey);
  if (signature) return `the checkpoint is not trusted: ${signature}`;
  if (proof.checkpoint.treeSize !== proof.treeSize || proof.checkpoint.rootHash !== proof.rootHash) return 'the proof is not for the tree of its checkpoint';
  if (proof.leafIndex !== proof.record.seq - 1) return `leaf ${proof.leafIndex} is not the place of record ${proof.record.seq}`;
  const revealed = proof.revealed.map(({ subject }) => subject).sort();
  if (JSON.stringify(revealed) !== JSON.stringify([...proof.record.subjects].sort())) return 'the record names subjects the proof does not reveal';
  const uncommitted = proof.revealed.find(({ subject, salt }) => !proof.subjectCommitments.includes(subjectCommitment(salt, subject)));
  if (uncommitted) return `subject ${uncommitted.subject} is not among the record's committed subjects`;
  const path = proof.auditPath.map((hash) => Buffer.from(hash, 'hex'));
  const included = verifyInclusion(
    proof.leafIndex,
    proof.treeSize,
    leafOf(proof.record.seq, proof.record, proof.subjectCommitments),
    path,
    Buffer.from(proof.rootHash, 'hex'),
  );
  return included
    ? null
    : `record ${proof.record.seq} as given is not in the tree of ${proof.treeSize} records signed at ${proof.checkpoint.at}: it was changed, or the path is wrong`;
}
