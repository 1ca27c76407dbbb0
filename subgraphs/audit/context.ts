import type { KeyObject } from 'node:crypto';
import DataLoader from 'dataloader';
import type { Queryable, RequestInfo } from '../../platform';
import type { SubgraphConfig } from '../kit';
import type { SubgraphContext, SubgraphDeps } from '../kit';
import { latestCheckpoint, recordsBySeq } from './repository';
import { loadPublicKey, auditWitnesses } from './settings';
import { proveInclusions, type InclusionProof } from './tree';
import type { Witness } from './witness';

export interface AuditContext extends SubgraphContext {
  db: Queryable;
  /** Who the gateway says is asking (`x-once-principal`, covered by the request signature). */
  principal: string | null;
  /** The audit public key and the witnesses that verification reads checkpoints from. */
  trust: { publicKey: KeyObject | null; witnesses: readonly Witness[] };
  /** Inclusion proofs by record seq against the newest stored checkpoint, batched per request. */
  proofs: DataLoader<number, InclusionProof | null>;
  /** The officer the client named (`x-once-officer`, signed too): who wrote a complaint note. */
  officer: string | null;
}

/** Key files and witnesses are read once per process configuration, not per request. */
const trustByConfig = new WeakMap<SubgraphConfig, AuditContext['trust']>();

function trustOf(config: SubgraphConfig): AuditContext['trust'] {
  let trust = trustByConfig.get(config);
  if (!trust) {
    trust = { publicKey: loadPublicKey(config), witnesses: auditWitnesses(config) };
    trustByConfig.set(config, trust);
  }
  return trust;
}

export function createAuditContext({ db, config }: SubgraphDeps, request: RequestInfo): AuditContext {
  const { 'x-once-principal': principalHeader, 'x-once-officer': officer } = request.headers;
  const principal = typeof principalHeader === 'string' ? principalHeader : null;
  // A citizen sees the proof of their own ID only; anyone else reaching a proof (an auditor) sees every subject.
  const reveal = principal?.startsWith('citizen:') ? (subject: string) => `citizen:${subject}` === principal : () => true;
  const proofs = new DataLoader<number, InclusionProof | null>(async (seqs) => {
    const checkpoint = await latestCheckpoint(db);
    if (!checkpoint) return seqs.map(() => null);
    const records = await recordsBySeq(db, seqs);
    const proven = await proveInclusions(db, records, checkpoint, reveal);
    const bySeq = new Map(records.map((record, index) => [record.seq, proven[index] ?? null]));
    return seqs.map((seq) => bySeq.get(seq) ?? null);
  });
  return { db, principal, officer: typeof officer === 'string' ? officer : null, trust: trustOf(config), proofs, subjects: new Set() };
}
