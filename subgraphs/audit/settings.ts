import { existsSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import type { AuditLogConfig } from '../kit';
import { AuditKeyError, readPublicKey, readSigningKey } from './checkpoints';
import { configuredWitnesses, type Witness } from './witness';

/** Where the audit key is: AUDIT_SIGNING_KEY_FILE, or the file `npm start` creates under DATA_DIR. */
export function auditKeyFile(config: AuditLogConfig): string {
  return config.AUDIT_SIGNING_KEY_FILE ?? join(config.DATA_DIR, 'keys', 'audit-signing-key.pem');
}

/** The witness file every checkpoint is appended to: AUDIT_WITNESS_FILE, or one under DATA_DIR. */
export function auditWitnessFile(config: AuditLogConfig): string {
  return config.AUDIT_WITNESS_FILE ?? join(config.DATA_DIR, 'audit', 'witness.jsonl');
}

export function auditWitnesses(config: AuditLogConfig): Witness[] {
  return configuredWitnesses({ witnessFile: auditWitnessFile(config), witnessUrls: config.AUDIT_WITNESS_URLS });
}

export function auditArchiveDir(config: AuditLogConfig): string {
  return config.AUDIT_ARCHIVE_DIR ?? join(config.DATA_DIR, 'audit', 'archive');
}

/**
 * The audit signing key. A configured file that is missing or not an Ed25519 key is an error; the default file may
 * be absent (null), and then the caller decides (a production gateway refuses to start).
 */
export function loadSigningKey(config: AuditLogConfig): KeyObject | null {
  const file = auditKeyFile(config);
  if (!config.AUDIT_SIGNING_KEY_FILE && !existsSync(file)) return null;
  return readSigningKey(file);
}

/** The audit public key: `<key file>.pub` when present (a verifier needs nothing else), else the key file's public half. */
export function loadPublicKey(config: AuditLogConfig): KeyObject | null {
  const file = auditKeyFile(config);
  if (existsSync(`${file}.pub`)) return readPublicKey(`${file}.pub`);
  if (!existsSync(file)) {
    if (config.AUDIT_SIGNING_KEY_FILE) throw new AuditKeyError(`AUDIT_SIGNING_KEY_FILE: no audit key at ${file}`);
    return null;
  }
  return readPublicKey(file);
}
