import { randomBytes, type KeyObject } from 'node:crypto';
import type { Database, Session, Logger } from '../../platform';
import { chainHash, GENESIS_HASH, type AuditEntry, type AuditRecord } from './chain';
import { signCheckpoint, type Checkpoint } from './checkpoints';
import type { MerkleFrontier, StoredNode } from './merkle';
import { appendRecords, appendTreeNodes, ensureMonthPartitions, insertCheckpoint, lastRecord, readChain, treeSize } from './repository';
import { loadFrontier, recordLeaf } from './tree';
import type { Witness } from './witness';

export interface CheckpointOptions {
  /** The Ed25519 audit key; never stored in the audit database. */
  key: KeyObject;
  /** A checkpoint is made at most this often while records are added (and once more when the writer closes). */
  everyMs: number;
  /** Where every checkpoint is published; a witness that fails is logged, and the next checkpoint tried again. */
  witnesses: readonly Witness[];
}

export interface AuditWriterOptions {
  db: Database;
  /** How long the first record of a group waits for others before the group is committed. */
  flushMs: number;
  /** A group is committed at once when it reaches this size. */
  maxBatch: number;
  log: Logger;
  /** Signed checkpoints of the Merkle tree; null: none are made (development without an audit key). */
  checkpoints?: CheckpointOptions | null;
  /** Where the writer reports its queue, commits and checkpoint lag (the gateway's metrics); default: nowhere. */
  telemetry?: AuditTelemetry;
}

/** What the writer reports, for the process that runs it to turn into metrics and spans. */
export interface AuditTelemetry {
  /** The queue's length after every change. */
  queued(depth: number): void;
  /** After every commit with checkpoints on: records a deletion of the log's newest could still go unnoticed for. */
  checkpointLag(records: number): void;
  /** Runs one group commit (`work`, its transaction), to be timed and traced. */
  commit<T>(records: number, work: () => Promise<T>): Promise<T>;
}

const UNREPORTED: AuditTelemetry = { queued: () => undefined, checkpointLag: () => undefined, commit: (_records, work) => work() };

export interface AuditWriter {
  /** Resolves with the record's seq once it is committed; rejects when it could not be. */
  append(entry: AuditEntry): Promise<number>;
  /** Commits what is waiting, makes a last checkpoint, then refuses new records. */
  close(): Promise<void>;
}

interface Pending {
  entry: AuditEntry;
  resolve: (seq: number) => void;
  reject: (error: Error) => void;
}

const CHAIN_LOCK = 'once-audit-chain';

/** The newest record and the tree's right edge after it. */
interface Tail {
  seq: number;
  hash: string;
  frontier: MerkleFrontier;
}

/** The batch's records chained onto `tail`, and the tree nodes they complete; `tail` itself is left as it was. */
function chainOnto(tail: Tail, batch: ReadonlyArray<{ entry: AuditEntry }>): { records: AuditRecord[]; nodes: StoredNode[]; tail: Tail } {
  let { seq, hash: previousHash } = tail;
  const frontier = tail.frontier.copy();
  const nodes: StoredNode[] = [];
  const records = batch.map(({ entry }) => {
    seq += 1;
    const hash = chainHash(previousHash, seq, entry);
    const record: AuditRecord = { ...entry, seq, previousHash, hash, subjectSalt: randomBytes(16).toString('hex') };
    nodes.push(...frontier.push(recordLeaf(record)));
    previousHash = hash;
    return record;
  });
  return { records, nodes, tail: { seq, hash: previousHash, frontier } };
}

/** SQLSTATE classes that blame the rows themselves (22 data exception, 23 integrity, 54 program limit), not the database. */
const RECORD_FAULT = /^(22|23|54)/;

function isRecordFault(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && RECORD_FAULT.test(code);
}

const PAGE = 5_000;

/**
 * The tail as the database has it. Records written before the tree existed (migration 002) get their leaves here,
 * so the tree always has one leaf per record.
 */
async function readTail(tx: Session): Promise<Tail> {
  const newest = (await lastRecord(tx)) ?? { seq: 0, hash: GENESIS_HASH };
  const size = await treeSize(tx);
  if (size > newest.seq)
    throw new Error(`the audit tree has ${size} leaves but the newest record is ${newest.seq}: records were removed; run \`audit verify\``);
  const frontier = await loadFrontier(tx, size);
  while (frontier.size < newest.seq) {
    const page = await readChain(tx, frontier.size + 1, newest.seq, PAGE);
    const nodes: StoredNode[] = [];
    for (const record of page) {
      if (record.seq !== frontier.size + 1) throw new Error(`record ${frontier.size + 1} is missing: the audit tree cannot be built; run \`audit verify\``);
      nodes.push(...frontier.push(recordLeaf(record)));
    }
    await appendTreeNodes(tx, nodes);
  }
  return { seq: newest.seq, hash: newest.hash, frontier };
}

/**
 * The partitions a record needs: its month's, and the next month's too, so that the partition a month rolls over
 * into is created (a short exclusive lock on the table) during the month before, not by its first record.
 */
function monthsFor(at: string): string[] {
  const month = new Date(`${at.slice(0, 7)}-01T00:00:00Z`);
  const next = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
  return [month, next].map((first) => first.toISOString().slice(0, 10));
}

/**
 * Appends records inside the caller's transaction, under the writers' chain lock, with their tree nodes: for a change
 * that must not happen without its record (administration), which then commits or rolls back together with it.
 */
export async function appendWithin(tx: Session, entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [CHAIN_LOCK]);
  await ensureMonthPartitions(tx, [...new Set(entries.flatMap((entry) => monthsFor(entry.at)))]);
  const current = await readTail(tx);
  const chained = chainOnto(
    current,
    entries.map((entry) => ({ entry })),
  );
  if (!(await appendRecords(tx, chained.records, current.hash))) throw new Error('the newest audit record changed while the chain lock was held');
  await appendTreeNodes(tx, chained.nodes);
  return chained.records;
}

/**
 * Group commit of the hash-chained, Merkle-tree audit log: records that arrive within `flushMs` are chained, their
 * tree nodes computed, and both inserted in one transaction, which holds an advisory lock so that every gateway
 * replica appends to the same single chain and tree. The writer remembers the newest record and the tree's right
 * edge and chains onto them directly; only when another replica has appended since does it read the tail first.
 *
 * A group the database refuses because of a record's content is split in halves and retried, down to single
 * records, so that one bad record fails only its own request. Checkpoints are signed inside the same transaction
 * (so they always match the tree) at most every `checkpoints.everyMs`, and published to the witnesses after commit.
 */
export function createAuditWriter({ db, flushMs, maxBatch, log, checkpoints = null, telemetry = UNREPORTED }: AuditWriterOptions): AuditWriter {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer; got ${maxBatch}`);
  if (!Number.isInteger(flushMs) || flushMs < 0) throw new Error(`flushMs must be a whole number of milliseconds; got ${flushMs}`);
  if (checkpoints && (!Number.isInteger(checkpoints.everyMs) || checkpoints.everyMs < 1))
    throw new Error(`checkpoints.everyMs must be a positive integer; got ${checkpoints.everyMs}`);
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | null = null;
  let checkpointTimer: NodeJS.Timeout | null = null;
  let checkpointWanted = false;
  let flushing: Promise<void> | null = null;
  let closed = false;
  let tail: Tail | null = null;
  let lastCheckpoint = { size: 0, atMs: 0 };
  const months = new Set<string>();
  const publishing = new Set<Promise<void>>();

  function publish(checkpoint: Checkpoint): void {
    for (const witness of checkpoints?.witnesses ?? []) {
      const done = witness.publish(checkpoint).then(
        () => {},
        (error: unknown) => log.warn({ err: error, witness: witness.name, treeSize: checkpoint.treeSize }, 'audit checkpoint not published to a witness'),
      );
      publishing.add(done);
      void done.finally(() => publishing.delete(done));
    }
  }

  /** A checkpoint of `size` when one is due (or forced) and the tree grew since the last one. */
  function checkpointOf(size: number, frontier: MerkleFrontier, force: boolean): Checkpoint | null {
    if (!checkpoints || size <= lastCheckpoint.size) return null;
    if (!force && Date.now() - lastCheckpoint.atMs < checkpoints.everyMs) return null;
    return signCheckpoint(checkpoints.key, size, frontier.root().toString('hex'));
  }

  /** Makes the checkpoint that records added since the last one are waiting for, once it is due. */
  function scheduleCheckpoint(): void {
    if (!checkpoints || checkpointTimer || closed || !tail || tail.seq <= lastCheckpoint.size) return;
    const wait = Math.max(0, lastCheckpoint.atMs + checkpoints.everyMs - Date.now());
    checkpointTimer = setTimeout(() => {
      checkpointTimer = null;
      checkpointWanted = true;
      flush();
    }, wait);
    checkpointTimer.unref();
  }

  async function commit(batch: Pending[], forceCheckpoint: boolean): Promise<void> {
    const newMonths = [...new Set(batch.flatMap(({ entry }) => monthsFor(entry.at)))].filter((month) => !months.has(month));
    const { chained, checkpoint } = await telemetry.commit(batch.length, () =>
      db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [CHAIN_LOCK]);
        await ensureMonthPartitions(tx, newMonths);
        let chained = tail && batch.length > 0 ? chainOnto(tail, batch) : null;
        if (!chained || !tail || !(await appendRecords(tx, chained.records, tail.hash))) {
          const current = await readTail(tx);
          chained = chainOnto(current, batch);
          if (batch.length > 0 && !(await appendRecords(tx, chained.records, current.hash)))
            throw new Error('the newest audit record changed while the chain lock was held');
        }
        await appendTreeNodes(tx, chained.nodes);
        const checkpoint = checkpointOf(chained.tail.seq, chained.tail.frontier, forceCheckpoint);
        if (checkpoint) await insertCheckpoint(tx, checkpoint);
        return { chained, checkpoint };
      }),
    );
    tail = chained.tail;
    for (const month of newMonths) months.add(month);
    chained.records.forEach((record, index) => batch[index]?.resolve(record.seq));
    if (checkpoint) {
      lastCheckpoint = { size: checkpoint.treeSize, atMs: Date.now() };
      publish(checkpoint);
    }
    if (checkpoints) telemetry.checkpointLag(chained.tail.seq - lastCheckpoint.size);
  }

  /** Commits a group; when the database refuses a record of it, each half again, so only the faulty record fails. */
  async function commitGroup(batch: Pending[], forceCheckpoint: boolean): Promise<void> {
    try {
      await commit(batch, forceCheckpoint);
    } catch (error) {
      tail = null;
      if (batch.length > 1 && isRecordFault(error)) {
        log.warn({ err: error, records: batch.length }, 'audit group refused for a record in it; retrying it in halves');
        const half = Math.ceil(batch.length / 2);
        await commitGroup(batch.slice(0, half), false);
        await commitGroup(batch.slice(half), forceCheckpoint);
        return;
      }
      log.error(
        { err: error, records: batch.length, requestIds: batch.length === 1 ? batch.map(({ entry }) => entry.requestId) : undefined },
        'audit log write failed',
      );
      const failure = new Error(`audit log write failed: ${(error as Error).message}`);
      for (const pending of batch) pending.reject(failure);
    }
  }

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = null;
    if (flushing || (queue.length === 0 && !checkpointWanted)) return;
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(maxBatch);
    telemetry.queued(queue.length);
    const force = checkpointWanted;
    checkpointWanted = false;
    flushing = commitGroup(batch, force).finally(() => {
      flushing = null;
      if (queue.length >= maxBatch || checkpointWanted) flush();
      else if (queue.length > 0) schedule();
      else scheduleCheckpoint();
    });
  }

  function schedule(): void {
    if (flushing) return;
    if (queue.length >= maxBatch || flushMs === 0) {
      flush();
      return;
    }
    timer ??= setTimeout(flush, flushMs);
  }

  return {
    append(entry) {
      if (closed) return Promise.reject(new Error('audit log is closed'));
      return new Promise((resolve, reject) => {
        queue.push({ entry, resolve, reject });
        telemetry.queued(queue.length);
        schedule();
      });
    },
    async close() {
      closed = true;
      if (checkpointTimer) clearTimeout(checkpointTimer);
      checkpointWanted = checkpoints !== null;
      while (flushing || queue.length > 0 || checkpointWanted) {
        flush();
        await flushing;
      }
      await Promise.all(publishing);
    },
  };
}
