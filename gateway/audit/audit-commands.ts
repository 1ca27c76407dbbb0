import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { type Database, type Logger, createProgress, type Progress } from '../../platform';
import {
  archiveExpiredMonths,
  archiveRecordsProblem,
  readArchiveManifest,
  RetentionError,
  type ArchiveManifest,
  AuditKeyError,
  publicKeyDocument,
  readPublicKey,
  countRecords,
  latestCheckpoint,
  recordsBySeq,
  auditArchiveDir,
  auditWitnesses,
  loadPublicKey,
  inclusionProofProblem,
  inclusionProofSchema,
  proveInclusions,
  verifyChain,
  type ChainVerification,
  fileWitness,
  httpWitness,
  startWitnessServer,
} from '../../subgraphs/audit';
import { AdminError } from '../access/admin';
import type { GatewayConfig } from '../config';

/** The `npm run once -- audit ...` options these commands read. */
export interface AuditCommandOptions {
  from?: string;
  to?: string;
  out?: string;
  'public-key'?: string;
  witness?: string[];
  archive?: string;
  port?: string;
}

export const AUDIT_USAGE = `Audit log
  audit verify [--from SEQ] [--to SEQ] [--public-key FILE] [--witness FILE|URL]... [--archive MANIFEST]
                                         exit 2 and the record named when the log was tampered with; --archive
                                         also re-hashes the archived records (and the archives before them)
  audit prove <seq> --out FILE           an inclusion proof of one record against the newest signed checkpoint
  audit check-proof <file> --public-key FILE   checks a proof offline (PEM, or the JSON of /.well-known/once-audit-key)
  audit key                              prints the audit public key (JWK and PEM), as the gateway serves it
  audit archive                          archives and drops month partitions older than AUDIT_RETENTION_MONTHS
  audit witness <file> [--port N] [--public-key FILE]   an HTTP witness (for AUDIT_WITNESS_URLS) keeping checkpoints in <file>`;

/** Commands that need no database: a citizen or a court checks a proof with nothing but the file and the key. */
export const OFFLINE_AUDIT_COMMANDS = new Set(['check-proof', 'witness']);

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function seqOption(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const seq = Number(value);
  if (!Number.isInteger(seq) || seq < 1) throw new AdminError(`${what} must be a record seq (1, 2, ...); got ${value}`);
  return seq;
}

/** A public key from a PEM file, or from the JSON the gateway serves at /.well-known/once-audit-key (or a bare JWK). */
function publicKeyFrom(file: string): KeyObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new AdminError(`--public-key ${file} cannot be read`);
  }
  if (!text.trimStart().startsWith('{')) {
    try {
      return readPublicKey(file);
    } catch (error) {
      throw new AdminError(`--public-key ${file}: ${(error as Error).message}`);
    }
  }
  try {
    const document = JSON.parse(text) as { pem?: unknown; jwk?: unknown; kty?: unknown };
    const key =
      typeof document.pem === 'string' ? createPublicKey(document.pem) : createPublicKey({ key: (document.jwk ?? document) as JsonWebKey, format: 'jwk' });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it holds a ${key.asymmetricKeyType ?? 'unrecognised'} key, not Ed25519`);
    return key;
  } catch (error) {
    throw new AdminError(
      `--public-key ${file} is not an Ed25519 public key (PEM, JWK, or the document of /.well-known/once-audit-key): ${(error as Error).message}`,
    );
  }
}

function configuredPublicKey(config: GatewayConfig, values: AuditCommandOptions): KeyObject | null {
  if (values['public-key']) return publicKeyFrom(values['public-key']);
  try {
    return loadPublicKey(config);
  } catch (error) {
    if (error instanceof AuditKeyError) throw new AdminError(error.message);
    throw error;
  }
}

function archiveBase(file: string): ArchiveManifest {
  try {
    return readArchiveManifest(file);
  } catch (error) {
    if (error instanceof RetentionError) throw new AdminError(`--archive: ${error.message}`);
    throw error;
  }
}

function report(result: ChainVerification): void {
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  for (const fork of result.forks) print(`FORK: two checkpoints of ${fork.treeSize} records signed by the audit key disagree: ${fork.rootHashes.join(' vs ')}`);
  const against = result.checkpoint ? ` against the checkpoint of ${result.checkpoint.treeSize} records signed at ${result.checkpoint.at}` : '';
  if (result.firstBroken) print(`audit log BROKEN at record ${result.firstBroken.seq} (${result.firstBroken.kind}): ${result.firstBroken.reason}`);
  else if (result.ok) print(`audit log intact: ${result.checked} record(s) checked${against}`);
  if (!result.ok) process.exitCode = 2;
}

/** `audit <action>`: verify, prove, check-proof, key, archive. `db` is null for offline commands. */
export async function runAuditCommand(
  db: Database | null,
  config: GatewayConfig,
  log: Logger,
  action: string | undefined,
  target: string | undefined,
  values: AuditCommandOptions,
): Promise<void> {
  if (action === 'check-proof') {
    checkProof(target, values);
    return;
  }
  if (action === 'witness') return serveWitness(config, log, target, values);
  if (!db) throw new Error(`audit ${action ?? ''} needs the database`);
  switch (action) {
    case 'verify': {
      const witnesses = values.witness?.length
        ? values.witness.map((witness) => (/^https?:\/\//.test(witness) ? httpWitness(witness) : fileWitness(witness)))
        : auditWitnesses(config);
      const base = values.archive ? archiveBase(values.archive) : undefined;
      const archiveProblem = values.archive ? archiveRecordsProblem(values.archive) : null;
      if (archiveProblem) {
        print(`audit archive BROKEN: ${archiveProblem}`);
        process.exitCode = 2;
        return;
      }
      const total = await countRecords(db);
      const progress = createProgress('verify', total, log);
      const result = await verifyChain(db, {
        fromSeq: seqOption(values.from, '--from') ?? null,
        toSeq: seqOption(values.to, '--to') ?? null,
        publicKey: configuredPublicKey(config, values),
        witnesses,
        ...(base ? { base } : {}),
        onProgress: (checked) => progress.update(checked),
      });
      progress.stop();
      report(result);
      return;
    }
    case 'prove': {
      const seq = seqOption(target, 'the record seq');
      if (seq === undefined) throw new AdminError(`name the record: audit prove <seq> --out FILE\n\n${AUDIT_USAGE}`);
      if (!values.out) throw new AdminError('--out FILE is required: where the proof is written');
      const [record] = await recordsBySeq(db, [seq]);
      if (!record) throw new AdminError(`there is no record ${seq} in the audit log`);
      const checkpoint = await latestCheckpoint(db);
      const [proof] = checkpoint ? await proveInclusions(db, [record], checkpoint, () => true) : [null];
      if (!checkpoint || !proof)
        throw new AdminError(
          `record ${seq} is not covered by a signed checkpoint yet${checkpoint ? ` (the newest covers ${checkpoint.treeSize} records)` : ''}; retry after the next checkpoint`,
        );
      writeFileSync(values.out, `${JSON.stringify(proof, null, 2)}\n`);
      print(`proof of record ${seq} against the checkpoint of ${checkpoint.treeSize} records signed at ${checkpoint.at} written to ${values.out}`);
      return;
    }
    case 'key': {
      const key = configuredPublicKey(config, values);
      if (!key) throw new AdminError('no audit key: set AUDIT_SIGNING_KEY_FILE (npm start creates one under DATA_DIR/keys)');
      print(JSON.stringify(publicKeyDocument(key), null, 2));
      return;
    }
    case 'archive': {
      const publicKey = configuredPublicKey(config, values);
      if (!publicKey) throw new AdminError('no audit public key: nothing is archived without a signed checkpoint to tie it to');
      let progress: Progress | null = null;
      try {
        const archived = await archiveExpiredMonths(db, {
          retentionMonths: config.AUDIT_RETENTION_MONTHS,
          archiveDir: auditArchiveDir(config),
          publicKey,
          witnesses: auditWitnesses(config),
          onProgress: (done, total) => {
            progress ??= createProgress('archive', total, log);
            progress.update(done);
          },
        });
        if (archived.length === 0) {
          print(`nothing to archive: no month partition older than ${config.AUDIT_RETENTION_MONTHS} month(s) holds unarchived records`);
          return;
        }
        for (const manifest of archived)
          print(
            `archived ${manifest.partitions.join(', ')}: records ${manifest.firstSeq} to ${manifest.lastSeq} in ${auditArchiveDir(config)}/${manifest.file} (checkpoint of ${manifest.checkpoint.treeSize} records), partition dropped`,
          );
        return;
      } catch (error) {
        if (error instanceof RetentionError) throw new AdminError(error.message);
        throw error;
      } finally {
        (progress as Progress | null)?.stop();
      }
    }
    default:
      throw new AdminError(`unknown command "audit ${action ?? ''}"\n\n${AUDIT_USAGE}`);
  }
}

async function serveWitness(config: GatewayConfig, log: Logger, file: string | undefined, values: AuditCommandOptions): Promise<void> {
  if (!file) throw new AdminError(`name the witness file: audit witness <file> [--port N]\n\n${AUDIT_USAGE}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new AdminError(`--port must be a TCP port (0-65535); got ${String(values.port)}`);
  const publicKey = configuredPublicKey(config, values);
  if (!publicKey) throw new AdminError('--public-key FILE is required: a witness keeps only checkpoints the audit key signed');
  const { url } = await startWitnessServer({ file, publicKey, host: config.HOST, port, log });
  print(`witness listening at ${url}, keeping checkpoints in ${file}; give the gateway AUDIT_WITNESS_URLS=${url}`);
}

function checkProof(file: string | undefined, values: AuditCommandOptions): void {
  if (!file) throw new AdminError(`name the proof file: audit check-proof <file> --public-key FILE\n\n${AUDIT_USAGE}`);
  if (!values['public-key']) throw new AdminError('--public-key FILE is required: a proof is only as good as the key it is checked with');
  const publicKey = publicKeyFrom(values['public-key']);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AdminError(`${file} is not a readable JSON proof: ${(error as Error).message}`);
  }
  const proof = inclusionProofSchema.safeParse(parsed);
  if (!proof.success)
    throw new AdminError(
      `${file} is not an inclusion proof: ${proof.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        .join('; ')}`,
    );
  const problem = inclusionProofProblem(proof.data, publicKey);
  if (problem) {
    print(`proof REFUSED: ${problem}`);
    process.exitCode = 2;
    return;
  }
  const { record, checkpoint } = proof.data;
  print(
    `proof valid: record ${record.seq} (${record.at}, ${record.principal}, ${record.purpose ?? 'no purpose'}, ${record.outcome}) is in the audit log of ${checkpoint.treeSize} records signed at ${checkpoint.at} by key ${checkpoint.keyId}`,
  );
}
