import { randomBytes } from 'node:crypto';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { GraphQLError, Kind, parse, print, Source, type DocumentNode, type GraphQLSchema } from 'graphql';
import { compose, CompositionError, describeLocations } from '../../gateway/compose';
import { failingHealthChecks } from '../../gateway/subgraph-health';
import type { Config } from '../common/config';
import type { Database, Queryable } from '../common/database';
import { ErrorCode } from '../common/errors';
import type { Logger } from '../common/logger';
import type { Notifier } from '../common/notifier';
import { signRequest } from '../common/signing';

/** The channel a new supergraph version is announced on; the message is the version number. */
export const SUPERGRAPH_CHANNEL = 'once:supergraph';

export interface SubgraphEntry {
  name: string;
  url: string;
  sdl: string;
}

export interface SupergraphVersion {
  version: number;
  supergraphSdl: string;
  subgraphs: SubgraphEntry[];
  action: 'BOOTSTRAP' | 'PUBLISH' | 'ROLLBACK' | 'REMOVE';
  subject: string;
  actor: string;
  forced: boolean;
  createdAt: string;
}

export interface CompositionProblem {
  code: string;
  message: string;
  locations: string[];
}

export interface SchemaChange {
  level: 'BREAKING' | 'DANGEROUS' | 'NON_BREAKING';
  type: string;
  message: string;
  path: string | null;
  /** Audit records within USAGE_WINDOW_DAYS whose operations read what this change removes or alters. */
  usedByOperations: number;
}

export interface CheckReport {
  ok: boolean;
  compositionErrors: CompositionProblem[];
  changes: SchemaChange[];
  breakingChangesInUse: number;
  /** Why the routing URL does not serve the SDL being checked, when it does not. */
  serviceProblem: string | null;
}

export interface Actor {
  /** `client:<id>` as the gateway forwarded it. */
  principal: string;
  clientId: string;
  role: string;
}

export interface RegistryDeps {
  db: Database;
  notifier: Notifier;
  log: Logger;
  /** Secrets of the built-in subgraphs (SUBGRAPH_SECRETS); registered ones keep theirs in registry.subgraphs. */
  builtInSecrets: Record<string, string>;
  usageWindowDays: number;
  fetchTimeoutMs: number;
}

/** The registry's dependencies as the configuration gives them. */
export function registryDeps(config: Config, platform: { database: Database; notifier: Notifier; log: Logger }): RegistryDeps {
  return {
    db: platform.database,
    notifier: platform.notifier,
    log: platform.log,
    builtInSecrets: config.SUBGRAPH_SECRETS,
    usageWindowDays: config.USAGE_WINDOW_DAYS,
    fetchTimeoutMs: config.SUBGRAPH_TIMEOUT_MS,
  };
}

/** A subgraph module as the registry holds it: its SDL text and where it is served. */
export function entryOf(module: { name: string; typeDefs: DocumentNode }, url: string): SubgraphEntry {
  return { name: module.name, url, sdl: print(module.typeDefs) };
}

/** The API schema (what clients see) of a version. */
export function apiSchemaOf(version: SupergraphVersion): GraphQLSchema {
  return composeEntries(version.subgraphs).apiSchema;
}

const LOCK = 'once-registry';
const VERSION_COLUMNS = `version, supergraph_sdl AS "supergraphSdl", subgraphs, action, subject, actor, forced,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"`;

function refused(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.SchemaCheckFailed, ...extensions } });
}

function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.Forbidden } });
}

export async function latestVersion(db: Queryable): Promise<SupergraphVersion | null> {
  const [row] = await db.query<SupergraphVersion>(`SELECT ${VERSION_COLUMNS} FROM registry.supergraph_versions ORDER BY version DESC LIMIT 1`);
  return row ?? null;
}

export async function latestVersionNumber(db: Queryable): Promise<number> {
  const [row] = await db.query<{ version: number }>('SELECT max(version) AS version FROM registry.supergraph_versions');
  return row?.version ?? 0;
}

export async function versionByNumber(db: Queryable, version: number): Promise<SupergraphVersion | null> {
  const [row] = await db.query<SupergraphVersion>(`SELECT ${VERSION_COLUMNS} FROM registry.supergraph_versions WHERE version = $1`, [version]);
  return row ?? null;
}

export function history(db: Queryable, first: number): Promise<SupergraphVersion[]> {
  return db.query<SupergraphVersion>(`SELECT ${VERSION_COLUMNS} FROM registry.supergraph_versions ORDER BY version DESC LIMIT $1`, [first]);
}

/** The HMAC secret the gateway signs requests to `name` with. */
export async function signingSecret(deps: Pick<RegistryDeps, 'db' | 'builtInSecrets'>, name: string): Promise<string | undefined> {
  if (deps.builtInSecrets[name]) return deps.builtInSecrets[name];
  const [row] = await deps.db.query<{ secret: string | null }>('SELECT signing_secret AS secret FROM registry.subgraphs WHERE name = $1', [name]);
  return row?.secret ?? undefined;
}

function parseSdl(entry: SubgraphEntry): DocumentNode {
  return parse(new Source(entry.sdl, `${entry.name}/schema.graphql`));
}

function composeEntries(entries: readonly SubgraphEntry[]): { supergraphSdl: string; apiSchema: GraphQLSchema } {
  return compose(entries.map((entry) => ({ name: entry.name, url: entry.url, typeDefs: parseSdl(entry) })));
}

/**
 * Composes a set of subgraphs, or says why it does not compose: problems with codes and `file:line:column`
 * locations (and then no API schema).
 */
function tryCompose(entries: readonly SubgraphEntry[]): { apiSchema: GraphQLSchema | null; problems: CompositionProblem[] } {
  try {
    return { apiSchema: composeEntries(entries).apiSchema, problems: [] };
  } catch (error) {
    if (error instanceof CompositionError) {
      return { apiSchema: null, problems: error.errors.map((problem) => ({ code: String(problem.extensions.code ?? 'COMPOSITION_ERROR'), message: problem.message, locations: describeLocations(problem) })) };
    }
    if (error instanceof GraphQLError) return { apiSchema: null, problems: [{ code: 'INVALID_GRAPHQL', message: error.message, locations: describeLocations(error) }] };
    throw error;
  }
}

/**
 * Makes the built-in subgraphs in the live version match `entries` (their SDL and URL as this process runs them):
 * the first version when the registry is empty, a new one when an upgrade changed a built-in. Agency subgraphs
 * already published stay as they are.
 */
export async function syncBuiltIns(deps: RegistryDeps, entries: readonly SubgraphEntry[]): Promise<SupergraphVersion> {
  await deps.db.query(`INSERT INTO registry.subgraphs (name, owner) SELECT unnest($1::text[]), 'system' ON CONFLICT (name) DO NOTHING`, [entries.map((entry) => entry.name)]);
  const live = await latestVersion(deps.db);
  if (!live) return appendVersion(deps, entries, { action: 'BOOTSTRAP', subject: entries.map((entry) => entry.name).join(','), actor: 'system', forced: false }, 0);
  const same = (entry: SubgraphEntry) => live.subgraphs.some((other) => other.name === entry.name && other.url === entry.url && other.sdl === entry.sdl);
  const changed = entries.filter((entry) => !same(entry));
  if (changed.length === 0) return live;
  const names = new Set(entries.map((entry) => entry.name));
  const merged = [...entries, ...live.subgraphs.filter((entry) => !names.has(entry.name))];
  return appendVersion(deps, merged, { action: 'PUBLISH', subject: changed.map((entry) => entry.name).join(','), actor: 'system', forced: false }, live.version);
}

/**
 * Appends a version under the registry lock. `expectedLatest` is the version the change was checked against: if
 * another change landed meanwhile, this one is refused so that it is checked again against the new graph.
 */
async function appendVersion(
  deps: RegistryDeps,
  entries: readonly SubgraphEntry[],
  meta: Pick<SupergraphVersion, 'action' | 'subject' | 'actor' | 'forced'>,
  expectedLatest: number,
): Promise<SupergraphVersion> {
  const { supergraphSdl } = composeEntries(entries);
  const version = await deps.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
    const latest = await latestVersionNumber(tx);
    if (latest !== expectedLatest) throw refused(`The supergraph changed to version ${latest} while this change was checked against ${expectedLatest}; check and publish again`);
    await tx.query(
      `INSERT INTO registry.supergraph_versions (version, supergraph_sdl, subgraphs, action, subject, actor, forced) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)`,
      [latest + 1, supergraphSdl, JSON.stringify(entries), meta.action, meta.subject, meta.actor, meta.forced],
    );
    return latest + 1;
  });
  deps.log.info({ version, ...meta }, 'new supergraph version');
  await deps.notifier.publish(SUPERGRAPH_CHANNEL, String(version)).catch((error: unknown) => {
    deps.log.warn({ err: error, version }, 'could not announce the new version: gateways will find it by polling');
  });
  const created = await versionByNumber(deps.db, version);
  if (!created) throw new Error(`version ${version} vanished after it was written`);
  return created;
}

/** How many recent successful operations read each coordinate that `paths` name (a type name covers its fields). */
async function usage(deps: RegistryDeps, paths: readonly string[]): Promise<Map<string, number>> {
  if (paths.length === 0) return new Map();
  const rows = await deps.db.query<{ path: string; uses: number }>(
    `SELECT p.path, count(DISTINCT r.seq)::int AS uses
       FROM unnest($1::text[]) AS p(path)
       JOIN audit.records r ON r.at > now() - make_interval(days => $2) AND r.outcome IN ('OK', 'PARTIAL')
        AND EXISTS (SELECT 1 FROM unnest(r.coordinates) c WHERE c = p.path OR split_part(c, '.', 1) = p.path)
      GROUP BY p.path`,
    [paths, deps.usageWindowDays],
  );
  return new Map(rows.map((row) => [row.path, row.uses]));
}

/** `Type.field.argument` -> `Type.field`: coordinates in the audit log name fields, not arguments. */
function coordinateOf(path: string | undefined): string | null {
  return path ? path.split('.').slice(0, 2).join('.') : null;
}

async function schemaChanges(deps: RegistryDeps, before: GraphQLSchema, after: GraphQLSchema): Promise<SchemaChange[]> {
  const changes = await diff(before, after);
  const breakingPaths = changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking).map((change) => coordinateOf(change.path)).filter((path): path is string => path !== null);
  const uses = await usage(deps, [...new Set(breakingPaths)]);
  return changes.map((change) => {
    const path = coordinateOf(change.path);
    return { level: change.criticality.level, type: change.type, message: change.message, path, usedByOperations: change.criticality.level === CriticalityLevel.Breaking && path ? (uses.get(path) ?? 0) : 0 };
  });
}

/** Field coordinates a document defines, to compare what a URL serves with what is being published. */
function definedFields(document: DocumentNode): Set<string> {
  const fields = new Set<string>();
  for (const definition of document.definitions) {
    if ('fields' in definition && 'name' in definition && definition.name && definition.fields) {
      for (const field of definition.fields) fields.add(`${definition.name.value}.${field.name.value}`);
    }
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION || definition.kind === Kind.ENUM_TYPE_EXTENSION) {
      for (const value of definition.values ?? []) fields.add(`${definition.name.value}.${value.name.value}`);
    }
  }
  return fields;
}

/** Asks the subgraph at `entry.url`, signed as the gateway would, for its SDL, and compares it with `entry.sdl`. */
async function serviceProblem(deps: RegistryDeps, entry: SubgraphEntry): Promise<string | null> {
  const secret = await signingSecret(deps, entry.name);
  const body = JSON.stringify({ query: '{ _service { sdl } }' });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-once-principal': 'system:registry' };
  if (secret) signRequest(secret, headers, body);
  let served: string;
  try {
    const response = await fetch(entry.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(deps.fetchTimeoutMs) });
    const result = (await response.json()) as { data?: { _service?: { sdl?: string } }; errors?: Array<{ message: string }> };
    if (!response.ok || !result.data?._service?.sdl) return `${entry.url} did not return its SDL (HTTP ${response.status}${result.errors?.[0] ? `: ${result.errors[0].message}` : ''})`;
    served = result.data._service.sdl;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : (error as Error);
    return `${entry.url} does not answer (${(cause as NodeJS.ErrnoException).code ?? cause.message})`;
  }
  const published = definedFields(parseSdl(entry));
  const actual = definedFields(parse(served));
  const missing = [...published].filter((field) => !actual.has(field));
  // What federation adds to every subgraph (_service, _entities, link__Purpose, ...) is not the agency's schema.
  const federationAdded = (field: string) => /^(_|link__|federation__|join__)/.test(field) || field.startsWith('Query._');
  const extra = [...actual].filter((field) => !published.has(field) && !federationAdded(field));
  if (missing.length === 0 && extra.length === 0) return null;
  return `${entry.url} serves a different schema: ${[missing.length ? `missing ${missing.slice(0, 10).join(', ')}` : '', extra.length ? `not in the published SDL ${extra.slice(0, 10).join(', ')}` : ''].filter(Boolean).join('; ')}`;
}

/** Refuses a version gateway replicas would refuse: every subgraph in it must pass the health check they run, now. */
async function assertServable(deps: RegistryDeps, entries: readonly SubgraphEntry[], change: string): Promise<void> {
  const targets = await Promise.all(entries.map(async ({ name, url }) => ({ name, url, secret: await signingSecret(deps, name) })));
  const failing = await failingHealthChecks(targets, deps.fetchTimeoutMs);
  if (failing.length > 0) throw refused(`${change} refused: the gateways would not serve it, as their health check fails for ${failing.join('; ')}`, { report: { serviceProblem: failing.join('; ') } });
}

async function ownerOf(db: Queryable, name: string): Promise<string | null> {
  const [row] = await db.query<{ owner: string }>('SELECT owner FROM registry.subgraphs WHERE name = $1', [name]);
  return row?.owner ?? null;
}

/** Agencies change their own subgraphs; an administrator may change any, and only an administrator may force. */
async function assertMayChange(deps: RegistryDeps, actor: Actor, name: string): Promise<void> {
  const owner = await ownerOf(deps.db, name);
  if (!owner) throw new GraphQLError(`No subgraph "${name}" is registered: register it first (registerSubgraph)`, { extensions: { code: ErrorCode.BadUserInput } });
  if (actor.role !== 'ADMIN' && owner !== actor.clientId) throw forbidden(`Subgraph "${name}" belongs to ${owner === 'system' ? 'the platform' : `client "${owner}"`}; client "${actor.clientId}" may not change it`);
}

function current(latest: SupergraphVersion | null): SupergraphVersion {
  if (!latest) throw new GraphQLError('The registry has no supergraph yet: start the gateway stack once to bootstrap it', { extensions: { code: ErrorCode.ServiceUnavailable } });
  return latest;
}

/** What publishing `candidate` would do: composition, changes against the live graph and their use, the URL. */
export async function check(deps: RegistryDeps, candidate: SubgraphEntry, options: { probeService: boolean }): Promise<CheckReport> {
  const live = current(await latestVersion(deps.db));
  const entries = [...live.subgraphs.filter((entry) => entry.name !== candidate.name), candidate];
  const { apiSchema, problems: compositionErrors } = tryCompose(entries);
  const changes = apiSchema ? await schemaChanges(deps, apiSchemaOf(live), apiSchema) : [];
  const breakingChangesInUse = changes.filter((change) => change.usedByOperations > 0).length;
  const probe = options.probeService && compositionErrors.length === 0 ? await serviceProblem(deps, candidate) : null;
  return { ok: compositionErrors.length === 0 && breakingChangesInUse === 0 && probe === null, compositionErrors, changes, breakingChangesInUse, serviceProblem: probe };
}

function summary(report: CheckReport): string {
  if (report.compositionErrors.length > 0) return `it does not compose with the live graph: ${report.compositionErrors.map((error) => `[${error.code}] ${error.message}`).join('; ')}`;
  if (report.serviceProblem) return report.serviceProblem;
  const used = report.changes.filter((change) => change.usedByOperations > 0);
  return `breaking changes hit fields that operations used in the last days: ${used.map((change) => `${change.path} (${change.usedByOperations} operations: ${change.message})`).join('; ')}`;
}

export async function register(deps: RegistryDeps, actor: Actor, name: string): Promise<{ name: string; owner: string; signingSecret: string }> {
  if (actor.role !== 'AGENCY' && actor.role !== 'ADMIN') throw forbidden(`Only agency and administrator clients register subgraphs; "${actor.clientId}" is ${actor.role}`);
  if (!/^[a-z][a-z0-9-]{1,39}$/.test(name)) throw new GraphQLError(`Subgraph name "${name}" must be 2-40 lowercase letters, digits or dashes, starting with a letter`, { extensions: { code: ErrorCode.BadUserInput } });
  const secret = randomBytes(32).toString('hex');
  const rows = await deps.db.query(`INSERT INTO registry.subgraphs (name, owner, signing_secret) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING name`, [name, actor.clientId, secret]);
  if (rows.length === 0) throw forbidden(`Subgraph name "${name}" is taken (owner: ${await ownerOf(deps.db, name)})`);
  return { name, owner: actor.clientId, signingSecret: secret };
}

export async function publish(deps: RegistryDeps, actor: Actor, candidate: SubgraphEntry, force: boolean): Promise<{ version: SupergraphVersion; report: CheckReport }> {
  await assertMayChange(deps, actor, candidate.name);
  if (force && actor.role !== 'ADMIN') throw forbidden('Only an administrator may force a publish past breaking changes');
  const live = current(await latestVersion(deps.db));
  const report = await check(deps, candidate, { probeService: true });
  const blocking = report.compositionErrors.length > 0 || report.serviceProblem !== null || (report.breakingChangesInUse > 0 && !force);
  if (blocking) throw refused(`Publish of ${candidate.name} refused: ${summary(report)}`, { report });
  const entries = [...live.subgraphs.filter((entry) => entry.name !== candidate.name), candidate];
  await assertServable(deps, entries, `Publish of ${candidate.name}`);
  const version = await appendVersion(deps, entries, { action: 'PUBLISH', subject: candidate.name, actor: actor.principal, forced: force && report.breakingChangesInUse > 0 }, live.version);
  return { version, report };
}

/** Puts one subgraph back as it was in `toVersion` (or removes it if it was not there), with the usual checks. */
export async function rollbackSubgraph(deps: RegistryDeps, actor: Actor, name: string, toVersion: number): Promise<SupergraphVersion> {
  await assertMayChange(deps, actor, name);
  const target = await versionByNumber(deps.db, toVersion);
  if (!target) throw new GraphQLError(`No supergraph version ${toVersion}`, { extensions: { code: ErrorCode.BadUserInput } });
  const earlier = target.subgraphs.find((entry) => entry.name === name);
  if (!earlier) return remove(deps, actor, name);
  const live = current(await latestVersion(deps.db));
  const entries = [...live.subgraphs.filter((entry) => entry.name !== name), earlier];
  const { problems } = tryCompose(entries);
  if (problems.length > 0) throw refused(`Rollback of ${name} to version ${toVersion} refused: it no longer composes: ${problems.map((p) => p.message).join('; ')}`, { report: { compositionErrors: problems } });
  return appendVersion(deps, entries, { action: 'ROLLBACK', subject: `${name}@${toVersion}`, actor: actor.principal, forced: false }, live.version);
}

/** An administrator returns the whole graph to an earlier version (as a new version). */
export async function rollbackSupergraph(deps: RegistryDeps, actor: Actor, toVersion: number): Promise<SupergraphVersion> {
  if (actor.role !== 'ADMIN') throw forbidden('Only an administrator may roll back the whole supergraph; agencies roll back their own subgraph');
  const target = await versionByNumber(deps.db, toVersion);
  if (!target) throw new GraphQLError(`No supergraph version ${toVersion}`, { extensions: { code: ErrorCode.BadUserInput } });
  const live = current(await latestVersion(deps.db));
  return appendVersion(deps, target.subgraphs, { action: 'ROLLBACK', subject: `supergraph@${toVersion}`, actor: actor.principal, forced: false }, live.version);
}

/** Takes a subgraph out of the graph, unless other subgraphs depend on it (the rest would not compose). */
export async function remove(deps: RegistryDeps, actor: Actor, name: string): Promise<SupergraphVersion> {
  await assertMayChange(deps, actor, name);
  const live = current(await latestVersion(deps.db));
  if (!live.subgraphs.some((entry) => entry.name === name)) throw new GraphQLError(`Subgraph "${name}" is not in the live supergraph`, { extensions: { code: ErrorCode.BadUserInput } });
  const entries = live.subgraphs.filter((entry) => entry.name !== name);
  const { problems } = tryCompose(entries);
  if (problems.length > 0) throw refused(`Removal of ${name} refused: other subgraphs depend on it: ${problems.map((p) => p.message).join('; ')}`, { report: { compositionErrors: problems } });
  return appendVersion(deps, entries, { action: 'REMOVE', subject: name, actor: actor.principal, forced: false }, live.version);
}
