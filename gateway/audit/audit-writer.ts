import type { Database, Queryable } from '../../subgraphs/common/database';
import type { Logger } from '../../subgraphs/common/logger';
import { chainHash, GENESIS_HASH, type AuditEntry, type AuditRecord } from '../../subgraphs/audit/chain';
import { appendRecords, lastRecord } from '../../subgraphs/audit/repository';
import { auditTelemetry } from '../telemetry/gateway-metrics';

export interface AuditWriterOptions {
  db: Database;
  /** How long the first record of a group waits for others before the group is committed. */
  flushMs: number;
  /** A group is committed at once when it reaches this size. */
  maxBatch: number;
  log: Logger;
}

export interface AuditWriter {
  /** Resolves with the record's seq once it is committed; rejects when it could not be. */
  append(entry: AuditEntry): Promise<number>;
  /** Commits what is waiting, then refuses new records. */
  close(): Promise<void>;
}

interface Pending {
  entry: AuditEntry;
  resolve: (seq: number) => void;
  reject: (error: Error) => void;
}

const CHAIN_LOCK = 'once-audit-chain';

type Tail = { seq: number; hash: string };

/** The batch's records chained onto `tail`, in order. */
function chainOnto(tail: Tail, batch: ReadonlyArray<{ entry: AuditEntry }>): AuditRecord[] {
  let { seq, hash: previousHash } = tail;
  return batch.map(({ entry }) => {
    seq += 1;
    const hash = chainHash(previousHash, seq, entry);
    const record = { ...entry, seq, previousHash, hash };
    previousHash = hash;
    return record;
  });
}

/**
 * Appends records inside the caller's transaction, under the writers' chain lock: for a change that must not happen
 * without its record (administration), which then commits or rolls back together with it.
 */
export async function appendWithin(tx: Queryable, entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [CHAIN_LOCK]);
  const newest = (await lastRecord(tx)) ?? { seq: 0, hash: GENESIS_HASH };
  const chained = chainOnto(newest, entries.map((entry) => ({ entry })));
  if (!(await appendRecords(tx, chained, newest.hash))) throw new Error('the newest audit record changed while the chain lock was held');
  return chained;
}

/**
 * Group commit of the hash-chained audit log: records that arrive within `flushMs` are chained and inserted in
 * one transaction, which holds an advisory lock so that every gateway replica appends to the same single chain.
 * The writer remembers the newest record it wrote and chains onto it directly; only when another replica has
 * appended since (the insert finds a different newest record and writes nothing) does it read the tail first.
 */
export function createAuditWriter({ db, flushMs, maxBatch, log }: AuditWriterOptions): AuditWriter {
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> | null = null;
  let closed = false;
  let tail: Tail | null = null;

  async function commit(batch: Pending[]): Promise<void> {
    try {
      const records = await auditTelemetry.commit(batch.length, () => db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [CHAIN_LOCK]);
        if (tail) {
          const chained = chainOnto(tail, batch);
          if (await appendRecords(tx, chained, tail.hash)) return chained;
        }
        const newest = (await lastRecord(tx)) ?? { seq: 0, hash: GENESIS_HASH };
        const chained = chainOnto(newest, batch);
        if (!(await appendRecords(tx, chained, newest.hash))) throw new Error('the newest audit record changed while the chain lock was held');
        return chained;
      }));
      const newest = records.at(-1);
      tail = newest ? { seq: newest.seq, hash: newest.hash } : tail;
      records.forEach((record, index) => batch[index]?.resolve(record.seq));
    } catch (error) {
      tail = null;
      log.error({ err: error, records: batch.length }, 'audit log write failed');
      const failure = new Error(`audit log write failed: ${(error as Error).message}`);
      for (const pending of batch) pending.reject(failure);
    }
  }

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = null;
    if (flushing || queue.length === 0) return;
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(maxBatch);
    auditTelemetry.queued(queue.length);
    flushing = commit(batch).finally(() => {
      flushing = null;
      if (queue.length >= maxBatch) flush();
      else if (queue.length > 0) schedule();
    });
  }

  function schedule(): void {
    if (flushing) return;
    if (queue.length >= maxBatch || flushMs === 0) return flush();
    timer ??= setTimeout(flush, flushMs);
  }

  return {
    append(entry) {
      if (closed) return Promise.reject(new Error('audit log is closed'));
      return new Promise((resolve, reject) => {
        queue.push({ entry, resolve, reject });
        auditTelemetry.queued(queue.length);
        schedule();
      });
    },
    async close() {
      closed = true;
      while (flushing || queue.length > 0) {
        flush();
        await flushing;
      }
    },
  };
}
