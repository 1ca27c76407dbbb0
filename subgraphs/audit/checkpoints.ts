import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * A signed checkpoint (a "signed tree head" in RFC 6962 terms): the size and root hash of the audit log's Merkle
 * tree at an instant, signed with the gateway's Ed25519 audit key. The key lives in a file, never in the audit
 * database, so that whoever can rewrite the database cannot sign a rewritten tree.
 */
export interface Checkpoint {
  treeSize: number;
  /** MTH of the first `treeSize` records, hex. */
  rootHash: string;
  /** ISO 8601. */
  at: string;
  /** Which key signed it: the first 16 hex digits of SHA-256 of the public key (SPKI DER). */
  keyId: string;
  /** Ed25519 over `checkpointMessage`, base64. */
  signature: string;
}

const HEX_HASH = /^[0-9a-f]{64}$/;

/** What a checkpoint must look like wherever it comes from (a witness file, an HTTP witness, a proof file). */
export const checkpointSchema = z.object({
  treeSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  rootHash: z.string().regex(HEX_HASH, 'rootHash must be 64 lowercase hex digits'),
  at: z.iso.datetime(),
  keyId: z.string().regex(/^[0-9a-f]{16}$/, 'keyId must be 16 lowercase hex digits'),
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'signature must be a base64 Ed25519 signature'),
});

/** The signed bytes: a fixed text (after the checkpoint notes of transparency logs), one field per line. */
export function checkpointMessage(checkpoint: Pick<Checkpoint, 'treeSize' | 'rootHash' | 'at'>): Buffer {
  return Buffer.from(`once-audit-log checkpoint v1\n${checkpoint.treeSize}\n${checkpoint.rootHash}\n${checkpoint.at}\n`);
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function signCheckpoint(privateKey: KeyObject, treeSize: number, rootHash: string, at = new Date().toISOString()): Checkpoint {
  const signature = sign(null, checkpointMessage({ treeSize, rootHash, at }), privateKey).toString('base64');
  return { treeSize, rootHash, at, keyId: keyIdOf(createPublicKey(privateKey)), signature };
}

/** Null when the checkpoint is well formed and signed by `publicKey`; otherwise why not. */
export function checkpointProblem(checkpoint: Checkpoint, publicKey: KeyObject): string | null {
  if (checkpoint.keyId !== keyIdOf(publicKey)) return `it is signed by key ${checkpoint.keyId}, not by the audit key ${keyIdOf(publicKey)}`;
  const valid = verify(null, checkpointMessage(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  return valid ? null : 'its signature does not match its tree size, root hash and time';
}

export class AuditKeyError extends Error {
  override readonly name = 'AuditKeyError';
}

function readKeyFile(file: string): string {
  if (!existsSync(file)) throw new AuditKeyError(`no audit key at ${file}`);
  return readFileSync(file, 'utf8');
}

/** The Ed25519 private key in a PKCS#8 PEM file. */
export function readSigningKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readKeyFile(file));
  } catch (error) {
    if (error instanceof AuditKeyError) throw error;
    throw new AuditKeyError(`${file} is not a PEM private key`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new AuditKeyError(`${file} holds a ${key.asymmetricKeyType ?? 'unrecognised'} key; the audit key must be Ed25519`);
  return key;
}

/** An Ed25519 public key from a PEM file (SPKI), or the public half of a private key file. */
export function readPublicKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(readKeyFile(file));
  } catch (error) {
    if (error instanceof AuditKeyError) throw error;
    throw new AuditKeyError(`${file} is not a PEM public or private key`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new AuditKeyError(`${file} holds a ${key.asymmetricKeyType ?? 'unrecognised'} key; the audit key must be Ed25519`);
  return key;
}

/** Creates an Ed25519 key pair at `file` (private, mode 0600) and `<file>.pub` unless the private key exists. */
export function ensureSigningKey(file: string): { created: boolean; publicFile: string } {
  const publicFile = `${file}.pub`;
  if (existsSync(file)) return { created: false, publicFile };
  mkdirSync(dirname(file), { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(file, 0o600);
  writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { created: true, publicFile };
}

/** The public key as served at /.well-known/once-audit-key: a JWK (RFC 8037) with its key id and the PEM beside it. */
export function publicKeyDocument(publicKey: KeyObject): { keyId: string; jwk: Record<string, unknown>; pem: string } {
  return {
    keyId: keyIdOf(publicKey),
    jwk: { ...publicKey.export({ format: 'jwk' }), kid: keyIdOf(publicKey), alg: 'EdDSA', use: 'sig' },
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
