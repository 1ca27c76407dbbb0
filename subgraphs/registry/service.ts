import { randomBytes } from 'node:crypto';
import { GraphQLError, parse, print, Source, type DocumentNode, type GraphQLSchema } from 'graphql';
import { compose } from './compose';
import { type Database, type Queryable, ErrorCode, type Logger, type Notifier } from '../../platform';
import { registryAllowedHosts, type RegistryConfig, type SubgraphServices } from '../kit';
import { composeInWorker } from './composition';
import type { CompositionOutcome, CompositionProblem, SubgraphEntry } from './composition-job';
import { activeApprovals, approvalById, approvalKey, insertRequests, listApprovals, recordDecision, type FlowApproval } from './flow-approvals';
import type { DataFlow } from './flows';
import { assertRoutingUrl, hostAllowList, probeProblem, routingUrlProblem } from './routing-url';

export type { CompositionProblem, SubgraphEntry };

/** The channel a new supergraph version is announced on; the message is the version number. */
export const SUPERGRAPH_CHANNEL = 'once:supergraph';

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

export interface SchemaChange {
  level: 'BREAKING' | 'DANGEROUS' | 'NON_BREAKING';
  type: string;
  message: string;
  path: string | null;
  /** Audit records within USAGE_WINDOW_DAYS whose operations read what this change removes or alters. */
  usedByOperations: number;
}

/** A cross-agency data flow of a subgraph, and the approval in force for it, if any. */
export interface DataFlowReport extends DataFlow {
  subgraph: string;
  approvalId: number | null;
  approved: boolean;
}

export interface CheckReport {
  ok: boolean;
  compositionErrors: CompositionProblem[];
  changes: SchemaChange[];
  breakingChangesInUse: number;
  /** Why the routing URL does not serve the SDL being checked, when it does not (fixed words, see routing-url.ts). */
  serviceProblem: string | null;
  /** Every cross-agency data flow of the checked subgraph(s). */
  flows: DataFlowReport[];
  unapprovedFlows: number;
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
  /** Whether a routing URL's host is on REGISTRY_ALLOWED_HOSTS. */
  allowsHost: (host: string) => boolean;
  maxSdlBytes: number;
  checkTimeoutMs: number;
  /** The health check gateway replicas run before serving a version, given by the process (null: no version is recorded). */
  gatewayHealthCheck: SubgraphServices['gatewayHealthCheck'];
}

/** The registry's dependencies as the configuration and the process give them. */
export function registryDeps(config: RegistryConfig, platform: Pick<SubgraphServices, 'database' | 'notifier' | 'log' | 'gatewayHealthCheck'>): RegistryDeps {
  return {
    db: platform.database,
    notifier: platform.notifier,
    log: platform.log,
    gatewayHealthCheck: platform.gatewayHealthCheck,
    builtInSecrets: config.SUBGRAPH_SECRETS,
    usageWindowDays: config.USAGE_WINDOW_DAYS,
    fetchTimeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    allowsHost: hostAllowList(registryAllowedHosts(config, Object.keys(config.SUBGRAPH_SECRETS))),
    maxSdlBytes: config.REGISTRY_MAX_SDL_BYTES,
    checkTimeoutMs: config.REGISTRY_CHECK_TIMEOUT_MS,
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

/** The signing secrets of the subgraphs agencies registered, by name (built-in subgraphs have none here). */
export async function registeredSecrets(db: Queryable): Promise<Map<string, string>> {
  const rows = await db.query<{ name: string; secret: string }>(
    'SELECT name, signing_secret AS secret FROM registry.subgraphs WHERE signing_secret IS NOT NULL',
  );
  return new Map(rows.map((row) => [row.name, row.secret]));
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

/** Composes in this thread: for SDL the platform trusts (the built-ins at start, the live version). */
function composeEntries(entries: readonly SubgraphEntry[]): { supergraphSdl: string; apiSchema: GraphQLSchema } {
  return compose(entries.map((entry) => ({ name: entry.name, url: entry.url, typeDefs: parseSdl(entry) })));
}

/**
 * Makes the built-in subgraphs in the live version match `entries` (their SDL and URL as this process runs them):
 * the first version when the registry is empty, a new one when an upgrade changed a built-in. Agency subgraphs
 * already published stay as they are.
 */
export async function syncBuiltIns(deps: RegistryDeps, entries: readonly SubgraphEntry[]): Promise<SupergraphVersion> {
  await deps.db.query(`INSERT INTO registry.subgraphs (name, owner) SELECT unnest($1::text[]), 'system' ON CONFLICT (name) DO NOTHING`, [
    entries.map((entry) => entry.name),
  ]);
  const live = await latestVersion(deps.db);
  // The built-ins are the platform's own SDL, composed in this thread at start.
  if (!live)
    return appendVersion(
      deps,
      entries,
      composeEntries(entries).supergraphSdl,
      { action: 'BOOTSTRAP', subject: entries.map((entry) => entry.name).join(','), actor: 'system', forced: false },
      0,
    );
  const same = (entry: SubgraphEntry) => live.subgraphs.some((other) => other.name === entry.name && other.url === entry.url && other.sdl === entry.sdl);
  const changed = entries.filter((entry) => !same(entry));
  if (changed.length === 0) return live;
  const names = new Set(entries.map((entry) => entry.name));
  const merged = [...entries, ...live.subgraphs.filter((entry) => !names.has(entry.name))];
  return appendVersion(
    deps,
    merged,
    composeEntries(merged).supergraphSdl,
    { action: 'PUBLISH', subject: changed.map((entry) => entry.name).join(','), actor: 'system', forced: false },
    live.version,
  );
}

/**
 * Appends a version under the registry lock. `expectedLatest` is the version the change was checked against: if
 * another change landed meanwhile, this one is refused so that it is checked again against the new graph.
 */
async function appendVersion(
  deps: RegistryDeps,
  entries: readonly SubgraphEntry[],
  supergraphSdl: string,
  meta: Pick<SupergraphVersion, 'action' | 'subject' | 'actor' | 'forced'>,
  expectedLatest: number,
): Promise<SupergraphVersion> {
  const version = await deps.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
    const latest = await latestVersionNumber(tx);
    if (latest !== expectedLatest)
      throw refused(`The supergraph changed to version ${latest} while this change was checked against ${expectedLatest}; check and publish again`);
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
  const rows = await deps.db.query<{ path: string; uses: number }>('SELECT path, uses FROM audit.coordinate_uses($1::text[], $2)', [
    paths,
    deps.usageWindowDays,
  ]);
  return new Map(rows.map((row) => [row.path, row.uses]));
}

/** `Type.field.argument` -> `Type.field`: coordinates in the audit log name fields, not arguments. */
function coordinateOf(path: string | undefined): string | null {
  return path ? path.split('.').slice(0, 2).join('.') : null;
}

async function schemaChanges(deps: RegistryDeps, changes: CompositionOutcome['changes']): Promise<SchemaChange[]> {
  const breakingPaths = changes
    .filter((change) => change.level === 'BREAKING')
    .map((change) => coordinateOf(change.path ?? undefined))
    .filter((path): path is string => path !== null);
  const uses = await usage(deps, [...new Set(breakingPaths)]);
  return changes.map((change) => {
    const path = coordinateOf(change.path ?? undefined);
    return { ...change, path, usedByOperations: change.level === 'BREAKING' && path ? (uses.get(path) ?? 0) : 0 };
  });
}

/**
 * Refuses a version gateway replicas would refuse: every subgraph in it must pass the health check they run, now.
 * Publishes, rollbacks and removals all pass it, forced or not: a version no gateway serves is of no use to anyone.
 */
async function assertServable(deps: RegistryDeps, entries: readonly SubgraphEntry[], change: string): Promise<void> {
  if (!deps.gatewayHealthCheck)
    throw new GraphQLError(
      `${change} refused: this registry process was started without the gateways' health check, so it cannot tell whether they would serve it`,
      {
        extensions: { code: ErrorCode.ServiceUnavailable },
      },
    );
  const targets = await Promise.all(entries.map(async ({ name, url }) => ({ name, url, secret: await signingSecret(deps, name) })));
  const failing = await deps.gatewayHealthCheck(targets, deps.fetchTimeoutMs, deps.log);
  if (failing.length > 0)
    throw refused(`${change} refused: the gateways would not serve it, as their health check fails for ${failing.join('; ')}`, {
      report: { serviceProblem: failing.join('; ') },
    });
}

async function ownerOf(db: Queryable, name: string): Promise<string | null> {
  const [row] = await db.query<{ owner: string }>('SELECT owner FROM registry.subgraphs WHERE name = $1', [name]);
  return row?.owner ?? null;
}

/** Agencies change their own subgraphs; an administrator may change any, and only an administrator may force. */
async function assertMayChange(deps: RegistryDeps, actor: Actor, name: string): Promise<void> {
  const owner = await ownerOf(deps.db, name);
  if (!owner)
    throw new GraphQLError(`No subgraph "${name}" is registered: register it first (registerSubgraph)`, { extensions: { code: ErrorCode.BadUserInput } });
  if (actor.role !== 'ADMIN' && owner !== actor.clientId)
    throw forbidden(`Subgraph "${name}" belongs to ${owner === 'system' ? 'the platform' : `client "${owner}"`}; client "${actor.clientId}" may not change it`);
}

function current(latest: SupergraphVersion | null): SupergraphVersion {
  if (!latest)
    throw new GraphQLError('The registry has no supergraph yet: start the gateway stack once to bootstrap it', {
      extensions: { code: ErrorCode.ServiceUnavailable },
    });
  return latest;
}

/** Only an administrator may force a change past breaking changes to fields in use. */
function assertMayForce(actor: Actor, force: boolean): void {
  if (force && actor.role !== 'ADMIN') throw forbidden('Only an administrator may force a publish past breaking changes');
}

/** Refuses an SDL above REGISTRY_MAX_SDL_BYTES before anything reads it. */
function assertSdlSize(deps: RegistryDeps, sdl: string): void {
  const size = Buffer.byteLength(sdl, 'utf8');
  if (size > deps.maxSdlBytes)
    throw new GraphQLError(`The SDL is ${size} bytes; the registry reads at most ${deps.maxSdlBytes} (REGISTRY_MAX_SDL_BYTES)`, {
      extensions: { code: ErrorCode.SdlTooLarge, argument: 'sdl' },
    });
}

/** The checks every candidate passes before it is analysed: size, ownership (checking is changing), routing URL. */
async function assertCandidate(deps: RegistryDeps, actor: Actor, candidate: SubgraphEntry): Promise<void> {
  assertSdlSize(deps, candidate.sdl);
  await assertMayChange(deps, actor, candidate.name);
  assertRoutingUrl(candidate.url, deps.allowsHost);
}

/**
 * Refuses a rollback that would bring back a routing URL not allowed now (one recorded before REGISTRY_ALLOWED_HOSTS
 * was narrowed, say). URLs the live version already has are not brought back by it.
 */
function assertRestoredUrls(deps: RegistryDeps, what: string, live: SupergraphVersion, restored: readonly SubgraphEntry[]): void {
  for (const entry of restored) {
    if (live.subgraphs.some((other) => other.name === entry.name && other.url === entry.url)) continue;
    const problem = routingUrlProblem(entry.url, deps.allowsHost);
    if (problem)
      throw new GraphQLError(`${what} refused: it would route ${entry.name} to a URL not allowed now: ${problem}`, {
        extensions: { code: ErrorCode.RoutingUrlNotAllowed, subgraph: entry.name },
      });
  }
}

/** The owning agency of every registered subgraph, by name (`system` for the built-ins). */
export async function subgraphOwners(db: Queryable): Promise<Record<string, string>> {
  const rows = await db.query<{ name: string; owner: string }>('SELECT name, owner FROM registry.subgraphs');
  return Object.fromEntries(rows.map((row) => [row.name, row.owner]));
}

/** The live set with `entry` in place of its namesake (or added). */
function replacing(live: SupergraphVersion, entry: SubgraphEntry): SubgraphEntry[] {
  return [...live.subgraphs.filter((other) => other.name !== entry.name), entry];
}

/** Marks each flow with the approval in force for it, if there is one. */
async function withApprovals(deps: RegistryDeps, flows: CompositionOutcome['flows']): Promise<DataFlowReport[]> {
  const approvals = await activeApprovals(deps.db, [...new Set(flows.map((flow) => flow.subgraph))]);
  return flows.map((flow) => {
    const approvalId = approvals.get(approvalKey(flow.subgraph, flow)) ?? null;
    return { ...flow, approvalId, approved: approvalId !== null };
  });
}

/** What a change would do, and the supergraph it would store: composed, diffed and analysed in a worker thread. */
async function evaluate(
  deps: RegistryDeps,
  live: SupergraphVersion,
  proposed: SubgraphEntry[],
  options: { analyse: string[]; probe: SubgraphEntry | null },
): Promise<{ report: CheckReport; supergraphSdl: string | null }> {
  const job = {
    proposed,
    owners: await subgraphOwners(deps.db),
    analyse: options.analyse,
    candidate: options.probe?.name ?? null,
    compose: true,
    liveSupergraphSdl: live.supergraphSdl,
  };
  const outcome = await composeInWorker(job, { timeoutMs: deps.checkTimeoutMs, log: deps.log });
  const composes = outcome.problems.length === 0;
  const changes = composes ? await schemaChanges(deps, outcome.changes) : [];
  const flows = await withApprovals(deps, outcome.flows);
  const serviceProblem =
    composes && options.probe
      ? await probeProblem({
          url: options.probe.url,
          secret: await signingSecret(deps, options.probe.name),
          expected: outcome.candidateFields,
          timeoutMs: deps.fetchTimeoutMs,
          maxBytes: 2 * deps.maxSdlBytes,
        })
      : null;
  const breakingChangesInUse = changes.filter((change) => change.usedByOperations > 0).length;
  const unapprovedFlows = flows.filter((flow) => !flow.approved).length;
  const ok = composes && breakingChangesInUse === 0 && serviceProblem === null && unapprovedFlows === 0;
  return {
    report: { ok, compositionErrors: outcome.problems, changes, breakingChangesInUse, serviceProblem, flows, unapprovedFlows },
    supergraphSdl: outcome.supergraphSdl,
  };
}

function describeFlow(flow: DataFlowReport): string {
  return `@${flow.directive.toLowerCase()} ${flow.coordinate} -> ${flow.target} (owner ${flow.owner})`;
}

/** The supergraph to store if the evaluation lets the change through; otherwise the refusal, with the report. */
function passed(what: string, evaluation: { report: CheckReport; supergraphSdl: string | null }, force: boolean): string {
  const { report, supergraphSdl } = evaluation;
  if (report.compositionErrors.length > 0 || supergraphSdl === null) {
    throw refused(
      `${what} refused: it does not compose with the live graph into a supergraph the gateways load: ${report.compositionErrors.map((error) => `[${error.code}] ${error.message}`).join('; ')}`,
      { report },
    );
  }
  const unapproved = report.flows.filter((flow) => !flow.approved);
  if (unapproved.length > 0) {
    const message = `${what} refused: cross-agency data flows without an approval: ${unapproved.map(describeFlow).join('; ')}`;
    throw new GraphQLError(message, { extensions: { code: ErrorCode.DataFlowNotApproved, flows: unapproved, report } });
  }
  if (report.serviceProblem) throw refused(`${what} refused: ${report.serviceProblem}`, { report });
  const used = report.changes.filter((change) => change.usedByOperations > 0);
  if (used.length > 0 && !force) {
    throw refused(
      `${what} refused: breaking changes hit fields that operations used in the last days: ${used.map((change) => `${String(change.path)} (${change.usedByOperations} operations: ${change.message})`).join('; ')}`,
      { report },
    );
  }
  return supergraphSdl;
}

/** What publishing `candidate` would do: composition, changes and their use, data flows, the routing URL. */
export async function check(deps: RegistryDeps, actor: Actor, candidate: SubgraphEntry): Promise<CheckReport> {
  await assertCandidate(deps, actor, candidate);
  const live = current(await latestVersion(deps.db));
  return (await evaluate(deps, live, replacing(live, candidate), { analyse: [candidate.name], probe: candidate })).report;
}

export async function register(deps: RegistryDeps, actor: Actor, name: string): Promise<{ name: string; owner: string; signingSecret: string }> {
  if (actor.role !== 'AGENCY' && actor.role !== 'ADMIN')
    throw forbidden(`Only agency and administrator clients register subgraphs; "${actor.clientId}" is ${actor.role}`);
  if (!/^[a-z][a-z0-9-]{1,39}$/.test(name))
    throw new GraphQLError(`Subgraph name "${name}" must be 2-40 lowercase letters, digits or dashes, starting with a letter`, {
      extensions: { code: ErrorCode.BadUserInput },
    });
  const secret = randomBytes(32).toString('hex');
  const rows = await deps.db.query(
    `INSERT INTO registry.subgraphs (name, owner, signing_secret) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING name`,
    [name, actor.clientId, secret],
  );
  if (rows.length === 0) throw forbidden(`Subgraph name "${name}" is taken (owner: ${String(await ownerOf(deps.db, name))})`);
  return { name, owner: actor.clientId, signingSecret: secret };
}

/**
 * A new signing secret for a registered subgraph, replacing the old one (lost or leaked); only its owner or an
 * administrator. Gateways sign with the new secret as soon as they hear of it (the announcement, or their next poll),
 * so the agency restarts its subgraph with it right away: until then the subgraph refuses the gateways' requests.
 * The platform's subgraphs take their secrets from SUBGRAPH_SECRETS instead.
 */
export async function rotateSecret(deps: RegistryDeps, actor: Actor, name: string): Promise<{ name: string; owner: string; signingSecret: string }> {
  await assertMayChange(deps, actor, name);
  const owner = (await ownerOf(deps.db, name)) ?? '';
  if (owner === 'system') throw forbidden(`Subgraph "${name}" is the platform's: its secret is set with SUBGRAPH_SECRETS where it runs, not by the registry`);
  const secret = randomBytes(32).toString('hex');
  await deps.db.query('UPDATE registry.subgraphs SET signing_secret = $2 WHERE name = $1', [name, secret]);
  await deps.notifier.publish(SUPERGRAPH_CHANNEL, 'secrets').catch((error: unknown) => {
    deps.log.warn({ err: error, subgraph: name }, 'could not announce the new signing secret: gateways will find it by polling');
  });
  return { name, owner, signingSecret: secret };
}

export async function publish(
  deps: RegistryDeps,
  actor: Actor,
  candidate: SubgraphEntry,
  force: boolean,
): Promise<{ version: SupergraphVersion; report: CheckReport }> {
  await assertCandidate(deps, actor, candidate);
  assertMayForce(actor, force);
  const live = current(await latestVersion(deps.db));
  const proposed = replacing(live, candidate);
  const evaluation = await evaluate(deps, live, proposed, { analyse: [candidate.name], probe: candidate });
  const supergraphSdl = passed(`Publish of ${candidate.name}`, evaluation, force);
  await assertServable(deps, proposed, `Publish of ${candidate.name}`);
  const forced = force && evaluation.report.breakingChangesInUse > 0;
  return {
    version: await appendVersion(deps, proposed, supergraphSdl, { action: 'PUBLISH', subject: candidate.name, actor: actor.principal, forced }, live.version),
    report: evaluation.report,
  };
}

/** Puts one subgraph back as it was in `toVersion` (or removes it if it was not there), with the checks of a publish. */
export async function rollbackSubgraph(deps: RegistryDeps, actor: Actor, name: string, toVersion: number, force: boolean): Promise<SupergraphVersion> {
  await assertMayChange(deps, actor, name);
  assertMayForce(actor, force);
  const target = await versionByNumber(deps.db, toVersion);
  if (!target) throw new GraphQLError(`No supergraph version ${toVersion}`, { extensions: { code: ErrorCode.BadUserInput } });
  const earlier = target.subgraphs.find((entry) => entry.name === name);
  if (!earlier) return remove(deps, actor, name, force);
  const what = `Rollback of ${name} to version ${toVersion}`;
  const live = current(await latestVersion(deps.db));
  assertRestoredUrls(deps, what, live, [earlier]);
  const proposed = replacing(live, earlier);
  const evaluation = await evaluate(deps, live, proposed, { analyse: [name], probe: null });
  const supergraphSdl = passed(what, evaluation, force);
  await assertServable(deps, proposed, what);
  const forced = force && evaluation.report.breakingChangesInUse > 0;
  return appendVersion(deps, proposed, supergraphSdl, { action: 'ROLLBACK', subject: `${name}@${toVersion}`, actor: actor.principal, forced }, live.version);
}

/** An administrator returns the whole graph to an earlier version (as a new version), with the checks of a publish. */
export async function rollbackSupergraph(deps: RegistryDeps, actor: Actor, toVersion: number, force: boolean): Promise<SupergraphVersion> {
  if (actor.role !== 'ADMIN') throw forbidden('Only an administrator may roll back the whole supergraph; agencies roll back their own subgraph');
  const target = await versionByNumber(deps.db, toVersion);
  if (!target) throw new GraphQLError(`No supergraph version ${toVersion}`, { extensions: { code: ErrorCode.BadUserInput } });
  const what = `Rollback of the supergraph to version ${toVersion}`;
  const live = current(await latestVersion(deps.db));
  assertRestoredUrls(deps, what, live, target.subgraphs);
  const evaluation = await evaluate(deps, live, target.subgraphs, { analyse: target.subgraphs.map((entry) => entry.name), probe: null });
  const supergraphSdl = passed(what, evaluation, force);
  await assertServable(deps, target.subgraphs, what);
  const forced = force && evaluation.report.breakingChangesInUse > 0;
  return appendVersion(
    deps,
    target.subgraphs,
    supergraphSdl,
    { action: 'ROLLBACK', subject: `supergraph@${toVersion}`, actor: actor.principal, forced },
    live.version,
  );
}

/**
 * Takes a subgraph out of the graph, unless others depend on it, a breaking change hits fields in use (unforced), or
 * what remains fails the gateways' health check.
 */
export async function remove(deps: RegistryDeps, actor: Actor, name: string, force: boolean): Promise<SupergraphVersion> {
  await assertMayChange(deps, actor, name);
  assertMayForce(actor, force);
  const live = current(await latestVersion(deps.db));
  if (!live.subgraphs.some((entry) => entry.name === name))
    throw new GraphQLError(`Subgraph "${name}" is not in the live supergraph`, { extensions: { code: ErrorCode.BadUserInput } });
  const proposed = live.subgraphs.filter((entry) => entry.name !== name);
  const evaluation = await evaluate(deps, live, proposed, { analyse: [], probe: null });
  const supergraphSdl = passed(`Removal of ${name}`, evaluation, force);
  await assertServable(deps, proposed, `Removal of ${name}`);
  const forced = force && evaluation.report.breakingChangesInUse > 0;
  return appendVersion(deps, proposed, supergraphSdl, { action: 'REMOVE', subject: name, actor: actor.principal, forced }, live.version);
}

function requiredText(value: string, argument: string): string {
  const text = value.trim();
  if (text.length === 0 || text.length > 2000)
    throw new GraphQLError(`${argument} must be 1-2000 characters`, { extensions: { code: ErrorCode.BadUserInput, argument } });
  return text;
}

/** Opens an approval request for every cross-agency data flow in `candidate`'s SDL (its own agency's subgraph). */
export async function requestFlows(deps: RegistryDeps, actor: Actor, candidate: SubgraphEntry, reason: string): Promise<FlowApproval[]> {
  await assertCandidate(deps, actor, candidate);
  const why = requiredText(reason, 'reason');
  const live = current(await latestVersion(deps.db));
  const owners = await subgraphOwners(deps.db);
  const job = { proposed: replacing(live, candidate), owners, analyse: [candidate.name], candidate: null, compose: false, liveSupergraphSdl: null };
  const outcome = await composeInWorker(job, { timeoutMs: deps.checkTimeoutMs, log: deps.log });
  if (outcome.problems.length > 0)
    throw refused(`The SDL of ${candidate.name} does not parse: ${outcome.problems.map((problem) => problem.message).join('; ')}`, {
      report: { compositionErrors: outcome.problems },
    });
  if (outcome.flows.length === 0)
    throw new GraphQLError(`The SDL of ${candidate.name} has no cross-agency data flows: nothing to approve`, {
      extensions: { code: ErrorCode.BadUserInput, argument: 'sdl' },
    });
  const requests = await insertRequests(deps.db, {
    agency: owners[candidate.name] ?? actor.clientId,
    subgraph: candidate.name,
    flows: outcome.flows,
    reason: why,
    requestedBy: actor.principal,
  });
  deps.log.info({ subgraph: candidate.name, approvals: requests.map((request) => request.id), actor: actor.principal }, 'data flows requested');
  return requests;
}

async function openApproval(deps: RegistryDeps, id: number): Promise<FlowApproval> {
  const approval = await approvalById(deps.db, id);
  if (!approval) throw new GraphQLError(`No data flow approval ${id}`, { extensions: { code: ErrorCode.BadUserInput, argument: 'id' } });
  if (approval.status === 'REVOKED')
    throw new GraphQLError(`Data flow approval ${id} was revoked; the agency requests it again`, {
      extensions: { code: ErrorCode.BadUserInput, argument: 'id' },
    });
  return approval;
}

async function decide(deps: RegistryDeps, actor: Actor, id: number, decision: Parameters<typeof recordDecision>[2]): Promise<FlowApproval> {
  const decided = await recordDecision(deps.db, id, decision);
  if (!decided) throw new GraphQLError(`Data flow approval ${id} was revoked meanwhile`, { extensions: { code: ErrorCode.BadUserInput, argument: 'id' } });
  deps.log.info({ approval: id, decision: decision.kind, actor: actor.principal, status: decided.status }, 'data flow decision');
  return decided;
}

/** An administrator approves a requested flow, naming its legal basis. */
export async function approveFlow(deps: RegistryDeps, actor: Actor, id: number, legalBasis: string): Promise<FlowApproval> {
  if (actor.role !== 'ADMIN') throw forbidden('Only an administrator approves data flows');
  const basis = requiredText(legalBasis, 'legalBasis');
  const approval = await openApproval(deps, id);
  if (approval.approvedAt)
    throw new GraphQLError(`Data flow approval ${id} is already approved`, { extensions: { code: ErrorCode.BadUserInput, argument: 'id' } });
  return decide(deps, actor, id, { kind: 'approve', by: actor.principal, legalBasis: basis });
}

/** The owning agency (an administrator for the platform's own data) consents to an `@override` of its field. */
export async function consentFlow(deps: RegistryDeps, actor: Actor, id: number): Promise<FlowApproval> {
  const approval = await openApproval(deps, id);
  const mayConsent = approval.owner === 'system' ? actor.role === 'ADMIN' : actor.clientId === approval.owner;
  if (!mayConsent)
    throw forbidden(
      `Only ${approval.owner === 'system' ? 'an administrator (the platform owns the field)' : `the owning agency "${approval.owner}"`} consents to data flow ${id}`,
    );
  if (approval.directive !== 'OVERRIDE')
    throw new GraphQLError(`Data flow ${id} is @${approval.directive.toLowerCase()}: only @override needs the owner's consent`, {
      extensions: { code: ErrorCode.BadUserInput, argument: 'id' },
    });
  if (approval.consentedAt)
    throw new GraphQLError(`Data flow approval ${id} already has the owner's consent`, { extensions: { code: ErrorCode.BadUserInput, argument: 'id' } });
  return decide(deps, actor, id, { kind: 'consent', by: actor.principal });
}

/** An administrator revokes an approval: the next publish of that subgraph fails its check, and the live version shows it. */
export async function revokeFlow(deps: RegistryDeps, actor: Actor, id: number): Promise<FlowApproval> {
  if (actor.role !== 'ADMIN') throw forbidden('Only an administrator revokes data flow approvals');
  await openApproval(deps, id);
  return decide(deps, actor, id, { kind: 'revoke', by: actor.principal });
}

/** Approvals an actor may see: an administrator all of them, an agency those of its subgraphs and those about its data. */
export function flowApprovals(deps: RegistryDeps, actor: Actor, filter: { subgraph: string | null; includeRevoked: boolean }): Promise<FlowApproval[]> {
  return listApprovals(deps.db, { agency: actor.role === 'ADMIN' ? null : actor.clientId, ...filter });
}

/** The data flows of the live version (of one subgraph, or all), each with its approval; unapproved ones are violations. */
export async function liveFlows(deps: RegistryDeps, actor: Actor, subgraph: string | null): Promise<DataFlowReport[]> {
  const live = current(await latestVersion(deps.db));
  const owners = await subgraphOwners(deps.db);
  const analyse = live.subgraphs.map((entry) => entry.name).filter((name) => subgraph === null || name === subgraph);
  const job = { proposed: live.subgraphs, owners, analyse, candidate: null, compose: false, liveSupergraphSdl: null };
  const outcome = await composeInWorker(job, { timeoutMs: deps.checkTimeoutMs, log: deps.log });
  const visible = (flow: DataFlowReport) => actor.role === 'ADMIN' || owners[flow.subgraph] === actor.clientId || flow.owner === actor.clientId;
  return (await withApprovals(deps, outcome.flows)).filter(visible);
}
