import { defineSubgraph } from '../kit';
import { createAuditContext } from './context';
import { resolvers } from './resolvers';

/** The access log subgraph, run by the gateway's operator: auditors' queries and citizens' access history. */
export const audit = defineSubgraph(import.meta.url, { name: 'audit', port: 4004, resolvers, createContext: createAuditContext });

export { RetentionError, archiveExpiredMonths, archiveRecordsProblem, readArchiveManifest } from './archive';
export type { ArchiveManifest } from './archive-manifest';
export { AUDIT_OUTCOMES, GENESIS_HASH, canonicalRecord, chainHash } from './chain';
export type { AuditEntry, AuditOutcome, AuditRecord } from './chain';
export { AuditKeyError, ensureSigningKey, publicKeyDocument, readPublicKey, readSigningKey, signCheckpoint } from './checkpoints';
export type { Checkpoint } from './checkpoints';
// The RFC 6962 maths is public so that anyone can check proofs and checkpoints of the log without our internals.
export {
  EMPTY_ROOT,
  MerkleFrontier,
  consistencyRanges,
  inclusionRanges,
  leafHash,
  nodeHash,
  nodeKey,
  nodesFor,
  rangeHash,
  rangeNodes,
  verifyConsistency,
  verifyInclusion,
} from './merkle';
export type { StoredNode, TreeNode } from './merkle';
export { EXPORT_COLUMNS, EXPORT_CONTENT_TYPES, EXPORT_FORMATS, exportLines } from './export';
export type { ExportFormat } from './export';
export { agenciesAccessing, countRecords, findAccessesTo, findRecords, lastRecord, latestCheckpoint, recordsBySeq } from './repository';
export type { AuditFilter } from './repository';
// Read-only access to the chain and the tree is public for outside verifiers; appends go through the writer's chain lock only.
export { monthPartitions, readChain, treeSize } from './repository';
export type { MonthPartition } from './repository';
export { auditArchiveDir, auditKeyFile, auditWitnessFile, auditWitnesses, loadPublicKey, loadSigningKey } from './settings';
export { inclusionProofProblem, inclusionProofSchema, proveInclusions, recordLeaf } from './tree';
// Read-only too, for verifiers: the stored tree's right edge at a size, and a consistency proof between two sizes.
export { consistencyProof, loadFrontier } from './tree';
export { verifyChain } from './verify';
export type { ChainVerification } from './verify';
export { fileWitness, httpWitness } from './witness';
export type { Witness } from './witness';
export { startWitnessServer } from './witness-server';
export { appendWithin, createAuditWriter } from './writer';
export type { AuditTelemetry, AuditWriter } from './writer';
