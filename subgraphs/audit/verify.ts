import type { Queryable } from '../common/database';
import { chainHash, GENESIS_HASH } from './chain';
import { hashOf, readChain } from './repository';

export interface ChainVerification {
  ok: boolean;
  /** Records checked, up to and including the first broken one. */
  checked: number;
  firstBroken: { seq: number; reason: string } | null;
}

const PAGE = 5_000;

/**
 * Walks the chain from `fromSeq` to `toSeq` and reports the first record that was edited (its hash does not match
 * its content), removed (a gap in the sequence) or moved (its previous hash is not its predecessor's hash).
 * Removing records from the very end leaves no trace in the chain itself; compare the last seq with an anchor.
 */
export async function verifyChain(
  db: Queryable,
  range: { fromSeq?: number | null; toSeq?: number | null } = {},
  onProgress: (checked: number) => void = () => {},
): Promise<ChainVerification> {
  const fromSeq = range.fromSeq ?? 1;
  const toSeq = range.toSeq ?? Number.MAX_SAFE_INTEGER;
  let previousHash = fromSeq <= 1 ? GENESIS_HASH : await hashOf(db, fromSeq - 1);
  if (previousHash === undefined) return { ok: false, checked: 0, firstBroken: { seq: fromSeq - 1, reason: `record ${fromSeq - 1} is missing` } };
  let expectedSeq = Math.max(fromSeq, 1);
  let checked = 0;
  for (;;) {
    const page = await readChain(db, expectedSeq, toSeq, PAGE);
    for (const record of page) {
      checked += 1;
      const broken = (reason: string) => ({ ok: false, checked, firstBroken: { seq: record.seq, reason } });
      if (record.seq !== expectedSeq) return { ok: false, checked, firstBroken: { seq: expectedSeq, reason: `record ${expectedSeq} is missing: the chain jumps to ${record.seq}` } };
      if (record.previousHash !== previousHash) return broken(`its previous hash is not the hash of record ${record.seq - 1}: records were removed or reordered`);
      if (chainHash(previousHash, record.seq, record) !== record.hash) return broken('its content does not match its hash: the record was altered');
      previousHash = record.hash;
      expectedSeq += 1;
    }
    onProgress(checked);
    if (page.length < PAGE) return { ok: true, checked, firstBroken: null };
  }
}
