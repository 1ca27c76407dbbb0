import { z } from 'zod';
import { checkpointSchema } from './checkpoints';

const HEX = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * What an archive of removed months says about itself (the `.manifest.json` beside its NDJSON): the records it holds,
 * the chain hash and Merkle frontier after its last record, and the signed checkpoint that frontier is a prefix of
 * (with the consistency proof). `audit verify` starts the remaining log from it.
 */
export const archiveManifestSchema = z.object({
  version: z.literal(1),
  partitions: z.array(z.string()),
  firstSeq: z.number().int().min(1),
  lastSeq: z.number().int().min(1),
  records: z.number().int().min(0),
  /** The chain hash of record lastSeq, which record lastSeq + 1 chains onto. */
  lastHash: HEX,
  /** The tree's right edge after lastSeq leaves (`MerkleFrontier.edge`). */
  frontier: z.array(HEX).max(64),
  checkpoint: checkpointSchema,
  /** Consistency proof from lastSeq leaves to the checkpoint's tree. */
  consistency: z.array(HEX).max(128),
  /** The NDJSON file's name (beside the manifest) and its SHA-256. */
  file: z.string().min(1),
  sha256: HEX,
});

export type ArchiveManifest = z.infer<typeof archiveManifestSchema>;
