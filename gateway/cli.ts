import { createWriteStream, openSync, readFileSync, type WriteStream } from 'node:fs';
import { join, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { EXPORT_FORMATS, exportLines, lastRecord, type AuditFilter, type ExportFormat } from '../subgraphs/audit';
import { apiSchemaOf, latestVersion } from '../subgraphs/registry';
import { createProgress, openMigratedDatabase, runMain, DatabaseLockedError, openPostgres, type Database, type Logger } from '../platform';
import { DateTimeScalar } from '../subgraphs/kit';
import {
  AdminError,
  addTrustedDocuments,
  addTrustedManifest,
  createClient,
  disableClient,
  grant,
  issueApiKey,
  listClients,
  listGrants,
  revokeApiKey,
  revokeGrants,
  setTrustedDocumentsOnly,
  type Operator,
} from './access/admin';
import { reachableCoordinates } from './access/coordinates';
import { initLocalKeys, issueToken, readPrivateKey } from './access/tokens';
import { defaultJwksFile, gatewayMigrations } from './access/access-control';
import { AUDIT_USAGE, OFFLINE_AUDIT_COMMANDS, runAuditCommand } from './audit/audit-commands';
import { gatewayConfig, type GatewayConfig } from './config';

const USAGE = `Usage: npm run once -- <command> [--actor NAME]

Every change to clients, keys, documents and grants is a record in the audit log, naming --actor (default: the
operating-system user) as principal operator:<actor>.

Clients and credentials
  clients add <id> --name NAME --role PORTAL|AGENCY|AUDITOR|ADMIN [--introspect] [--trusted-only] [--rate-limit PER_MINUTE]
  clients list
  clients disable <id>
  clients update <id> --trusted-only|--no-trusted-only   run only its trusted documents (or any operation again)
  keys issue <client id>                 prints a new API key (shown once)
  keys revoke <key id>
  jwt init                               creates local signing keys (DATA_DIR/keys) for JWKS_FILE
  jwt client <client id> [--ttl SECONDS]
  jwt citizen <personal id> [--ttl SECONDS]

Trusted documents (operations a client registers; a --trusted-only client runs nothing else)
  documents add <client id> FILE...      registers each file's text; prints its SHA-256 (send it as persistedQuery)
  documents add <client id> --manifest FILE   registers a persisted-documents manifest (hash -> text), all or nothing,
                                         e.g. operations/generated/persisted-documents.json from npm run codegen

Policies (default deny: a coordinate nobody granted is readable by nobody)
  grant <client id> --purpose CODE --fields Type.field,... --basis "legal basis"
  grant <client id> --purpose CODE --roots Query.x,Mutation.y --basis "..."   every coordinate those root fields reach
  revoke <client id> --purpose CODE [--fields Type.field,...]
  grants <client id>

${AUDIT_USAGE}
  audit export [--format ndjson|csv] [--out FILE] [--subject ID] [--client ID] [--purpose CODE] [--since ISO] [--until ISO]`;

const options = {
  name: { type: 'string' },
  role: { type: 'string' },
  introspect: { type: 'boolean', default: false },
  // No default: `clients update` must tell --no-trusted-only from a flag not given.
  'trusted-only': { type: 'boolean' },
  manifest: { type: 'string' },
  'rate-limit': { type: 'string' },
  ttl: { type: 'string', default: '3600' },
  purpose: { type: 'string' },
  fields: { type: 'string' },
  roots: { type: 'string' },
  basis: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string', default: 'ndjson' },
  out: { type: 'string' },
  subject: { type: 'string' },
  client: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  actor: { type: 'string' },
  'public-key': { type: 'string' },
  witness: { type: 'string', multiple: true },
  archive: { type: 'string' },
  port: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/**
 * The command line as given. A malformed one (an unknown option, a missing value) or a flag given both ways
 * (`--trusted-only --no-trusted-only`: the last would silently win) is a usage error, not a crash.
 */
function commandLine() {
  let parsed;
  try {
    parsed = parseArgs({ options, allowPositionals: true, allowNegative: true, tokens: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS_')) throw new AdminError(`${(error as Error).message}\n\n${USAGE}`);
    throw error;
  }
  const given = (name: string, raw: string) => parsed.tokens.some((token) => token.kind === 'option' && token.name === name && token.rawName === raw);
  const both = Object.keys(options).find((name) => given(name, `--${name}`) && given(name, `--no-${name}`));
  if (both) throw new AdminError(`--${both} and --no-${both} contradict each other: name one\n\n${USAGE}`);
  return parsed;
}

/** Ends the command on a refusal of what was asked (exit 1, its message on stderr); anything else is a crash for runMain. */
function refuse(error: unknown): void {
  if (!(error instanceof AdminError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new AdminError(`${what} is required\n\n${USAGE}`);
  return value;
}

function rateLimitOption(value: string | undefined): number | null {
  if (value === undefined) return null;
  if (!/^\d{1,9}$/.test(value)) throw new AdminError(`--rate-limit must be whole requests per minute (0: none); got ${value}`);
  return Number(value);
}

/** An ISO 8601 instant, as the API's DateTime reads it, or an AdminError naming the option. */
function instantOption(value: string | undefined, name: string): string | null {
  if (value === undefined) return null;
  try {
    return DateTimeScalar.parseValue(value);
  } catch {
    throw new AdminError(`--${name} must be an ISO 8601 timestamp such as 2026-11-01T00:00:00Z; got ${value}`);
  }
}

/** A file's text, or an AdminError naming the file and why it cannot be read. */
function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new AdminError(`cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function readManifest(file: string): unknown {
  const text = readText(file, 'manifest');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AdminError(`the manifest ${file} is not JSON: ${(error as Error).message}`);
  }
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Policy commands are one word (`grant <client>`); the others two (`clients add <id>`). */
const ONE_WORD = new Set(['grant', 'revoke', 'grants']);

async function run(db: Database, by: Operator, config: GatewayConfig, log: Logger, positionals: string[], values: Values): Promise<void> {
  const [group, action, target] = positionals;
  const command = group && ONE_WORD.has(group) ? group : [group, action].filter(Boolean).join(' ');
  switch (command) {
    case 'clients add': {
      const clientId = required(target, 'client id');
      await createClient(
        db,
        {
          clientId,
          name: required(values.name, '--name'),
          role: required(values.role, '--role'),
          mayIntrospect: values.introspect,
          trustedDocumentsOnly: values['trusted-only'],
          rateLimitPerMinute: rateLimitOption(values['rate-limit']),
        },
        by,
      );
      print(`client ${clientId} created; issue it a key with: npm run once -- keys issue ${clientId}`);
      return;
    }
    case 'clients list':
      for (const client of await listClients(db))
        print(`${client.clientId}\t${client.role}\t${client.disabled ? 'disabled' : 'active'}\tkeys=${client.keys}\t${client.name}`);
      return;
    case 'clients disable': {
      const clientId = required(target, 'client id');
      await disableClient(db, clientId, by);
      print(`client ${clientId} disabled`);
      return;
    }
    case 'clients update': {
      const clientId = required(target, 'client id');
      const trustedOnly = values['trusted-only'];
      if (trustedOnly === undefined) throw new AdminError(`name the change: --trusted-only or --no-trusted-only\n\n${USAGE}`);
      const { documents } = await setTrustedDocumentsOnly(db, clientId, trustedOnly, by);
      print(
        trustedOnly ? `client ${clientId} now runs only its ${documents} trusted document(s)` : `client ${clientId} may now run any operation its grants allow`,
      );
      if (trustedOnly && documents === 0)
        print(`it has none yet, so it can run nothing: npm run once -- documents add ${clientId} --manifest operations/generated/persisted-documents.json`);
      return;
    }
    case 'keys issue': {
      const clientId = required(target, 'client id');
      const { keyId, apiKey } = await issueApiKey(db, clientId, by);
      print(`key ${keyId} for ${clientId} (store it now, it is not shown again):`);
      print(apiKey);
      return;
    }
    case 'keys revoke': {
      const keyId = required(target, 'key id');
      await revokeApiKey(db, keyId, by);
      print(`key ${keyId} revoked`);
      return;
    }
    case 'jwt init': {
      const jwksFile = config.JWKS_FILE ?? defaultJwksFile(config);
      const { created, privateFile } = await initLocalKeys(jwksFile);
      print(`${created ? 'created' : 'already present'}: ${privateFile} (private) and ${jwksFile} (JWKS_FILE)`);
      return;
    }
    case 'jwt client':
    case 'jwt citizen': {
      const privateFile = join(dirname(config.JWKS_FILE ?? defaultJwksFile(config)), 'private.jwk.json');
      const ttlSeconds = Number(values.ttl);
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) throw new AdminError(`--ttl must be whole seconds; got ${values.ttl}`);
      const subject = required(target, action === 'client' ? 'client id' : 'personal id');
      print(
        await issueToken(readPrivateKey(privateFile), {
          kind: action as 'client' | 'citizen',
          subject,
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          ttlSeconds,
        }),
      );
      return;
    }
    case 'documents add': {
      const files = positionals.slice(3);
      if (values.manifest !== undefined) {
        if (files.length > 0) throw new AdminError(`name document files or --manifest, not both\n\n${USAGE}`);
        const clientId = required(target, 'client id');
        const hashes = await addTrustedManifest(db, clientId, readManifest(values.manifest), by);
        print(`registered ${hashes.length} trusted document(s) for ${clientId} from ${values.manifest}:`);
        for (const hash of hashes) print(hash);
        return;
      }
      if (files.length === 0) throw new AdminError(`name at least one document file, or --manifest FILE\n\n${USAGE}`);
      const documents = files.map((file) => readText(file, 'document'));
      const hashes = await addTrustedDocuments(db, required(target, 'client id'), documents, by);
      hashes.forEach((hash, index) => print(`${hash}\t${String(files[index])}`));
      return;
    }
    case 'grant': {
      const coordinates = values.roots
        ? await reachableFromLive(db, values.roots)
        : required(values.fields, '--fields or --roots')
            .split(',')
            .map((field) => field.trim())
            .filter(Boolean);
      const clientId = required(action, 'client id');
      const purpose = required(values.purpose, '--purpose');
      await grant(db, { clientId, purpose, coordinates, legalBasis: required(values.basis, '--basis') }, by);
      print(`granted ${coordinates.length} coordinate(s) to ${clientId} for ${purpose}`);
      return;
    }
    case 'revoke': {
      const coordinates = values.fields
        ?.split(',')
        .map((field) => field.trim())
        .filter(Boolean);
      const removed = await revokeGrants(
        db,
        { clientId: required(action, 'client id'), purpose: required(values.purpose, '--purpose'), ...(coordinates ? { coordinates } : {}) },
        by,
      );
      print(`revoked ${removed} grant(s)`);
      return;
    }
    case 'grants':
      for (const row of await listGrants(db, required(action, 'client id'))) print(`${row.purpose}\t${row.coordinate}\t${row.legalBasis}`);
      return;
    case 'audit verify':
    case 'audit prove':
    case 'audit check-proof':
    case 'audit key':
    case 'audit archive':
    case 'audit witness':
      return runAuditCommand(db, config, log, action, target, values);
    case 'audit export':
      return exportRecords(db, log, values);
    default:
      throw new AdminError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

/** Every coordinate the given root fields reach in the live supergraph of the registry. */
async function reachableFromLive(db: Database, roots: string): Promise<string[]> {
  const live = await latestVersion(db);
  if (!live) throw new AdminError('the registry has no supergraph yet: start the gateway once');
  const coordinates = reachableCoordinates(
    apiSchemaOf(live),
    roots.split(',').map((root) => root.trim()),
  );
  if (coordinates.length === 0) throw new AdminError(`no root field among ${roots} exists in supergraph version ${live.version}`);
  return coordinates;
}

/** A stream to write the export to, or an AdminError naming the file and why it cannot be written. */
function openOut(file: string): WriteStream {
  let fd: number;
  try {
    fd = openSync(file, 'w', 0o600);
  } catch (error) {
    throw new AdminError(`cannot write the export to ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return createWriteStream(file, { fd });
}

/** Streams matching records, newest first, as NDJSON (every stored field) or CSV, with progress on stderr. */
async function exportRecords(db: Database, log: Logger, values: Values): Promise<void> {
  const format = values.format as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new AdminError(`--format must be ndjson or csv; got ${values.format}`);
  const filter: AuditFilter = {
    subject: values.subject ?? null,
    clientId: values.client ?? null,
    purpose: values.purpose ?? null,
    from: instantOption(values.since, 'since'),
    to: instantOption(values.until, 'until'),
  };
  const total = (await lastRecord(db))?.seq ?? 0;
  const out: WriteStream | NodeJS.WriteStream = values.out ? openOut(values.out) : process.stdout;
  const write = (line: string) => new Promise<void>((resolve) => (out.write(line) ? resolve() : out.once('drain', resolve)));
  const progress = createProgress('export', total, log);
  let lines = 0;
  // Newest first: the records below the oldest seq written are what remains to scan.
  for await (const line of exportLines(db, filter, { format, allFields: true, onPage: (oldest) => progress.update(total - oldest + 1) })) {
    await write(line);
    lines += 1;
  }
  progress.update(total);
  progress.stop();
  if (values.out) await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
  // The CSV's header line is not a record.
  log.info({ exported: format === 'csv' ? lines - 1 : lines, format, out: values.out ?? 'stdout' }, 'audit export done');
}

await runMain(
  'once',
  gatewayConfig,
  async (config, log) => {
    let parsed;
    try {
      parsed = commandLine();
    } catch (error) {
      refuse(error);
      return async () => {};
    }
    const { values, positionals } = parsed;
    if (values.help || positionals.length === 0) {
      print(USAGE);
      return async () => {};
    }
    if (positionals[0] === 'audit' && OFFLINE_AUDIT_COMMANDS.has(positionals[1] ?? '')) {
      await runAuditCommand(null, config, log, positionals[1], positionals[2], values).catch(refuse);
      return async () => {};
    }
    let db: Database;
    try {
      db = await openMigratedDatabase(config, log, gatewayMigrations);
    } catch (error) {
      // npm start holds the embedded database: a usage matter with a way out, not a crash to log with its stack.
      if (!(error instanceof DatabaseLockedError)) throw error;
      process.stderr.write(`npm run once: ${error.message}\n`);
      process.exitCode = 1;
      return async () => {};
    }
    const auditLog = config.AUDIT_DATABASE_URL ? openPostgres(config.AUDIT_DATABASE_URL, 1, log) : undefined;
    try {
      await run(db, { ...(values.actor === undefined ? {} : { actor: values.actor }), ...(auditLog ? { auditLog } : {}) }, config, log, positionals, values);
    } catch (error) {
      refuse(error);
    } finally {
      await auditLog?.close();
      await db.close();
    }
    return async () => {};
  },
  { logFd: 2 },
);
