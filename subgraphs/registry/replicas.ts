import type { Queryable } from '../../platform';

/** A version a gateway replica refused to serve, and when it tries again. */
export interface VersionRefusal {
  version: number;
  reason: string;
  attempts: number;
  lastRefusedAt: string;
  nextRetryAt: string;
}

/** A gateway replica that follows the registry, as it last reported itself. */
export interface GatewayReplica {
  replicaId: string;
  host: string;
  pid: number;
  servedVersion: number;
  startedAt: string;
  lastSeenAt: string;
  /** Versions newer than the one it serves that it refused; empty once it serves them. */
  refusals: VersionRefusal[];
}

/** Who a replica is: its id, where it runs, and after how long without a beat it counts as dead. */
export interface ReplicaIdentity {
  replicaId: string;
  host: string;
  pid: number;
  liveMs: number;
}

const UTC = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** Replicas unheard of for a day are gone for good; the next replica to start removes them. */
const FORGOTTEN_AFTER = "interval '1 day'";

/** A replica starting: it serves `version`. */
export async function joinReplicas(db: Queryable, replica: ReplicaIdentity, version: number): Promise<void> {
  await db.query(`DELETE FROM registry.gateway_replicas WHERE last_seen_at < now() - ${FORGOTTEN_AFTER}`);
  await db.query(
    `INSERT INTO registry.gateway_replicas (replica_id, host, pid, served_version, live_ms) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (replica_id) DO UPDATE SET served_version = EXCLUDED.served_version, last_seen_at = now()`,
    [replica.replicaId, replica.host, replica.pid, version, replica.liveMs],
  );
}

export async function recordServed(db: Queryable, replicaId: string, version: number): Promise<void> {
  await db.query('UPDATE registry.gateway_replicas SET served_version = $2, last_seen_at = now() WHERE replica_id = $1', [replicaId, version]);
  await db.query('DELETE FROM registry.version_refusals WHERE replica_id = $1 AND version <= $2', [replicaId, version]);
}

export async function recordRefusal(db: Queryable, replicaId: string, version: number, reason: string, retryInMs: number): Promise<void> {
  await db.query(
    `INSERT INTO registry.version_refusals (replica_id, version, reason, next_retry_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4 / 1000.0))
     ON CONFLICT (replica_id, version) DO UPDATE SET reason = EXCLUDED.reason, attempts = registry.version_refusals.attempts + 1,
       last_refused_at = now(), next_retry_at = EXCLUDED.next_retry_at`,
    [replicaId, version, reason, retryInMs],
  );
}

/** The replica is alive; false when its row is gone (pruned while it was unreachable), so that it joins again. */
export async function heartbeat(db: Queryable, replicaId: string): Promise<boolean> {
  const rows = await db.query('UPDATE registry.gateway_replicas SET last_seen_at = now() WHERE replica_id = $1 RETURNING 1', [replicaId]);
  return rows.length > 0;
}

/** A replica stopping cleanly: it no longer counts, live or not. */
export async function leaveReplicas(db: Queryable, replicaId: string): Promise<void> {
  await db.query('DELETE FROM registry.gateway_replicas WHERE replica_id = $1', [replicaId]);
}

/** Replicas heard from within their own live window, with their pending refusals. */
export function liveReplicas(db: Queryable): Promise<GatewayReplica[]> {
  return db.query<GatewayReplica>(
    `SELECT r.replica_id AS "replicaId", r.host, r.pid, r.served_version AS "servedVersion",
            ${UTC('r.started_at')} AS "startedAt", ${UTC('r.last_seen_at')} AS "lastSeenAt",
            coalesce((SELECT json_agg(json_build_object('version', f.version, 'reason', f.reason, 'attempts', f.attempts,
                        'lastRefusedAt', ${UTC('f.last_refused_at')}, 'nextRetryAt', ${UTC('f.next_retry_at')}) ORDER BY f.version)
                        FROM registry.version_refusals f WHERE f.replica_id = r.replica_id AND f.version > r.served_version), '[]') AS refusals
       FROM registry.gateway_replicas r
      WHERE r.last_seen_at > now() - make_interval(secs => r.live_ms / 1000.0)
      ORDER BY r.host, r.pid, r.replica_id`,
  );
}
