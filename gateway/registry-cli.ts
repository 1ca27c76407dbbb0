import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cliConfig } from './cli-config';

/**
 * The agency's registry client: `npm run registry -- <command>`. It talks to the gateway like any client, so every
 * action is authenticated as the agency (ONCE_API_KEY), checked against its grants and audited.
 */
const USAGE = `Usage: npm run registry -- <command>
  register <name>                                     reserve a name; prints the subgraph's signing secret once
  rotate-secret <name>                                (owner or administrator) a new signing secret, replacing a lost
                                                      or leaked one; restart the subgraph with it at once
  check <name> --url URL --sdl FILE                   what publishing would do (composition, breaking changes, usage)
  publish <name> --url URL --sdl FILE [--force]       check, then publish a new supergraph version
          [--wait [--wait-timeout SECONDS]]           ...and return once every live gateway replica serves it
                                                      (exit 1 when one refused it, with why; default 120 s)
  rollback <name> --to VERSION [--force]              put the subgraph back as it was in an earlier version
  rollback-all --to VERSION [--force]                 (administrators) the whole supergraph back to a version
  remove <name> [--force]                             take the subgraph out, unless others depend on it
  list                                                subgraphs in the live supergraph
  history [--first N]                                 supergraph versions, newest first
  status                                              live gateway replicas: the version each serves, refusals

Cross-agency data flows (directives that reach fields or entities another agency owns):
  flows request <name> --url URL --sdl FILE --reason TEXT   ask approval for every flow in the SDL
  flows approve <id> --basis TEXT                     (administrators) approve a requested flow, naming its legal basis
  flows consent <id>                                  (the owning agency) consent to an @override of its field
  flows revoke <id>                                   (administrators) revoke an approval
  flows list [<name>] [--all]                         approvals (--all: revoked too) and the live graph's flows

Environment: ONCE_GATEWAY (default http://127.0.0.1:$PORT/graphql, PORT default 4000), ONCE_API_KEY (the agency's
key; npm start's demo agency: agencyApiKey in DATA_DIR/demo-credentials.json), ONCE_OFFICER (default: your user),
ONCE_CASE (default: registry-cli).`;

const FLOW = 'subgraph directive coordinate target owner approved approvalId';
const CHECK_REPORT = `ok breakingChangesInUse serviceProblem unapprovedFlows compositionErrors { code message locations } changes { level path message usedByOperations } flows { ${FLOW} }`;
const APPROVAL = 'id agency subgraph directive coordinate target owner status reason legalBasis requestedAt approvedBy consentedBy revokedBy';
const VERSION = 'version action subject actor forced createdAt subgraphs';

/** What the registry answers for the selections above (FLOW, CHECK_REPORT, APPROVAL, VERSION). */
interface Flow {
  subgraph: string;
  directive: string;
  coordinate: string;
  target: string;
  owner: string;
  approved: boolean;
  approvalId: number | null;
}

interface CheckReport {
  ok: boolean;
  serviceProblem: string | null;
  compositionErrors: Array<{ code: string; message: string; locations: string[] }>;
  changes: Array<{ level: string; path: string | null; message: string; usedByOperations: number }>;
  flows: Flow[];
}

interface Approval extends Flow {
  id: number;
  agency: string;
  status: string;
  reason: string;
  legalBasis: string | null;
  approvedBy: string | null;
  consentedBy: string | null;
  revokedBy: string | null;
}

interface SupergraphVersion {
  version: number;
  action: string;
  subject: string;
  actor: string;
  forced: boolean;
  createdAt: string;
  subgraphs: string[];
}

interface Registration {
  name: string;
  owner: string;
  signingSecret: string;
}

interface GraphQLResult<Data> {
  data?: Data | null;
  /** A refused publish or check carries its report, as the registry's DATA_FLOW_NOT_APPROVED and BREAKING_CHANGE do. */
  errors?: Array<{ message: string; extensions?: { code?: string; report?: CheckReport } }>;
}

/** Read once, before any command; a bad value stops the CLI with a message that names the key. */
const config = (() => {
  try {
    return cliConfig.load();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
})();

/** The gateway this CLI talks to: ONCE_GATEWAY, or the one `npm start` runs on this machine (PORT). */
function gatewayUrl(): string {
  return config.ONCE_GATEWAY ?? `http://127.0.0.1:${config.PORT}/graphql`;
}

/** Why a fetch failed, in the words of its cause (ECONNREFUSED, ENOTFOUND, ...), not undici's bare "fetch failed". */
function fetchCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** `Data` is what the query selects: the answer is the gateway's JSON, trusted to match it as any client does. */
async function call<Data>(query: string, variables: Record<string, unknown>): Promise<GraphQLResult<Data>> {
  const apiKey = config.ONCE_API_KEY;
  if (!apiKey)
    throw new Error(
      "ONCE_API_KEY is not set: the registry is used with the agency client's API key (npm start's demo agency: agencyApiKey in DATA_DIR/demo-credentials.json)",
    );
  const url = gatewayUrl();
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': apiKey,
        'x-once-officer': config.ONCE_OFFICER,
        'x-once-purpose': 'REGISTRY',
        'x-once-case': config.ONCE_CASE,
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new Error(`cannot reach the gateway at ${url}: ${fetchCause(error)}. Is npm start running? Set ONCE_GATEWAY to the gateway's /graphql URL.`, {
      cause: error,
    });
  }
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphQLResult<Data>;
  } catch {
    throw new Error(`the gateway at ${url} answered HTTP ${response.status} without a GraphQL response: is ONCE_GATEWAY the gateway's /graphql URL?`);
  }
}

function describeFlow(flow: Flow): string {
  return `@${flow.directive.toLowerCase()} ${flow.subgraph ? `${flow.subgraph}: ` : ''}${flow.coordinate} -> ${flow.target} (owner ${flow.owner})`;
}

function printReport(report: CheckReport | undefined): void {
  if (!report) return;
  for (const flow of report.flows)
    console.log(
      `  flow         ${describeFlow(flow)}  ${flow.approved ? `approved (#${String(flow.approvalId)})` : 'NOT APPROVED: npm run registry -- flows request ...'}`,
    );
  for (const error of report.compositionErrors)
    console.log(`  composition  [${error.code}] ${error.message}${error.locations.length > 0 ? ` (at ${error.locations.join(', ')})` : ''}`);
  for (const change of report.changes) {
    const use = change.usedByOperations > 0 ? `  <- used by ${change.usedByOperations} recent operation(s)` : '';
    console.log(`  ${change.level.padEnd(12)} ${change.message}${use}`);
  }
  if (report.serviceProblem) console.log(`  service      ${report.serviceProblem}`);
}

function fail(result: GraphQLResult<unknown>): never {
  for (const error of result.errors ?? []) {
    console.error(`refused [${error.extensions?.code ?? 'ERROR'}]: ${error.message}`);
    printReport(error.extensions?.report);
  }
  process.exit(1);
}

/** The answer's data; a refusal (or an answer without data) ends the command with its errors. */
function dataOf<Data>(result: GraphQLResult<Data>): Data {
  if (result.errors || !result.data) fail(result);
  return result.data;
}

/** Options as given; a malformed one (unknown, or a value that looks like a flag) is a usage error, not a crash. */
const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        sdl: { type: 'string' },
        force: { type: 'boolean', default: false },
        to: { type: 'string' },
        first: { type: 'string' },
        wait: { type: 'boolean', default: false },
        'wait-timeout': { type: 'string', default: '120' },
        reason: { type: 'string' },
        basis: { type: 'string' },
        all: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(1);
  }
})();
const [command, name] = positionals;
if (values.help || command === 'help') {
  console.log(USAGE);
  process.exit(0);
}

function input(subgraph = name) {
  if (!subgraph || !values.url || !values.sdl) throw new Error(`${String(command)} needs <name>, --url and --sdl\n\n${USAGE}`);
  return { name: subgraph, url: values.url, sdl: readFileSync(values.sdl, 'utf8') };
}

function approvalId(text: string | undefined): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1) throw new Error(`flows ${String(name)} needs the approval's id (a number, see flows list); got ${text ?? 'nothing'}`);
  return id;
}

function printApproval(approval: Approval): void {
  const decided = [
    approval.approvedBy && `approved by ${approval.approvedBy} (${String(approval.legalBasis)})`,
    approval.consentedBy && `consent of ${approval.consentedBy}`,
    approval.revokedBy && `revoked by ${approval.revokedBy}`,
  ]
    .filter(Boolean)
    .join('; ');
  console.log(`#${approval.id}\t${approval.status}\t${approval.agency}\t${describeFlow(approval)}\t${decided || `requested: ${approval.reason}`}`);
}

/** `flows <action> ...`: the approval workflow of cross-agency data flows. */
async function flows(action: string | undefined, argument: string | undefined): Promise<void> {
  switch (action) {
    case 'request': {
      if (!values.reason) throw new Error('flows request needs --reason: why the agency needs these data');
      const result = await call<{ requestDataFlows: Approval[] }>(
        `mutation ($input: SubgraphInput!, $reason: String!) { requestDataFlows(input: $input, reason: $reason) { ${APPROVAL} } }`,
        { input: input(argument), reason: values.reason },
      );
      const data = dataOf(result);
      console.log('requested; an administrator approves each with npm run registry -- flows approve <id> --basis "..."');
      for (const approval of data.requestDataFlows) printApproval(approval);
      return;
    }
    case 'approve':
    case 'consent':
    case 'revoke': {
      if (action === 'approve' && !values.basis) throw new Error('flows approve needs --basis: the legal basis of the flow');
      const result =
        action === 'approve'
          ? await call<{ done: Approval }>(`mutation ($id: Int!, $basis: String!) { done: approveDataFlow(id: $id, legalBasis: $basis) { ${APPROVAL} } }`, {
              id: approvalId(argument),
              basis: values.basis,
            })
          : await call<{ done: Approval }>(`mutation ($id: Int!) { done: ${action}DataFlow(id: $id) { ${APPROVAL} } }`, { id: approvalId(argument) });
      const data = dataOf(result);
      printApproval(data.done);
      return;
    }
    case 'list': {
      const result = await call<{ dataFlowApprovals: Approval[]; liveDataFlows: Flow[] }>(
        `query ($subgraph: String, $all: Boolean) { dataFlowApprovals(subgraph: $subgraph, includeRevoked: $all) { ${APPROVAL} } liveDataFlows(subgraph: $subgraph) { ${FLOW} } }`,
        { subgraph: argument ?? null, all: values.all },
      );
      const data = dataOf(result);
      console.log('approvals:');
      for (const approval of data.dataFlowApprovals) printApproval(approval);
      const violations = data.liveDataFlows.filter((flow) => !flow.approved);
      console.log(`live flows: ${data.liveDataFlows.length}, without an approval in force: ${violations.length}`);
      for (const flow of violations) console.log(`  VIOLATION  ${describeFlow(flow)}`);
      if (violations.length > 0) process.exitCode = 1;
      return;
    }
    default:
      throw new Error(`flows needs request, approve, consent, revoke or list\n\n${USAGE}`);
  }
}

function version(): number {
  const to = Number(values.to);
  if (!Number.isInteger(to) || to < 1) throw new Error(`--to must be a supergraph version number; got ${values.to ?? 'nothing'}`);
  return to;
}

const REPLICAS = '{ replicas: gatewayReplicas { replicaId host pid servedVersion lastSeenAt refusals { version reason attempts nextRetryAt } } }';

interface Replica {
  replicaId: string;
  host: string;
  pid: number;
  servedVersion: number;
  lastSeenAt: string;
  refusals: Array<{ version: number; reason: string; attempts: number; nextRetryAt: string }>;
}

async function replicas(): Promise<Replica[]> {
  const result = await call<{ replicas: Replica[] }>(REPLICAS, {});
  const data = dataOf(result);
  return data.replicas;
}

function printReplica(replica: Replica, write: (line: string) => void = console.log): void {
  write(`${replica.host}\tpid ${replica.pid}\tserves v${replica.servedVersion}\tseen ${replica.lastSeenAt}\t${replica.replicaId}`);
  for (const refusal of replica.refusals)
    write(`  refused v${refusal.version} (${refusal.attempts} attempt(s), next ${refusal.nextRetryAt}): ${refusal.reason}`);
}

/** Seconds to wait for the replicas, checked before anything is published. */
function waitTimeoutMs(): number {
  const seconds = Number(values['wait-timeout']);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600)
    throw new Error(`--wait-timeout must be a whole number of seconds from 1 to 3600; got ${values['wait-timeout']}`);
  return seconds * 1000;
}

/**
 * Until every live gateway replica serves `version` (or a later one), or one refused it (or a later one, which holds
 * it too): the exit code says which. No live replica at all means nothing serves it.
 */
async function waitUntilServed(version: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let progress = '';
  for (;;) {
    const live = await replicas();
    const refusing = live.filter((replica) => replica.refusals.some((refusal) => refusal.version >= version));
    if (refusing.length > 0) {
      console.error(`NOT served: ${refusing.length} gateway replica(s) refused version ${version} (each tries again with backoff):`);
      for (const replica of refusing) printReplica(replica, console.error);
      process.exit(1);
    }
    if (live.length === 0) {
      console.error('NOT served: no live gateway replica follows the registry');
      process.exit(1);
    }
    const behind = live.filter((replica) => replica.servedVersion < version);
    if (behind.length === 0) {
      console.log(`served by all ${live.length} live gateway replica(s)`);
      return;
    }
    const now = `waiting: ${live.length - behind.length} of ${live.length} live gateway replica(s) serve version ${version}`;
    if (now !== progress) console.log((progress = now));
    if (Date.now() >= deadline) {
      console.error(`NOT served within ${timeoutMs / 1000} s by ${behind.length} of ${live.length} live gateway replica(s):`);
      for (const replica of behind) printReplica(replica, console.error);
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

try {
  switch (command) {
    case 'register': {
      const result = await call<{ registerSubgraph: Registration }>(
        'mutation ($name: String!) { registerSubgraph(name: $name) { name owner signingSecret } }',
        { name },
      );
      const data = dataOf(result);
      console.log(`registered ${data.registerSubgraph.name} for ${data.registerSubgraph.owner}.`);
      console.log('Give the subgraph this signing secret (it verifies the gateway with it); it is not shown again:');
      console.log(data.registerSubgraph.signingSecret);
      break;
    }
    case 'rotate-secret': {
      if (!name) throw new Error(`rotate-secret needs the subgraph's <name>\n\n${USAGE}`);
      const result = await call<{ rotateSubgraphSecret: Registration }>(
        'mutation ($name: String!) { rotateSubgraphSecret(name: $name) { name owner signingSecret } }',
        { name },
      );
      const data = dataOf(result);
      console.log(`new signing secret for ${data.rotateSubgraphSecret.name} (owner ${data.rotateSubgraphSecret.owner}); the old one no longer works.`);
      console.log('Gateways sign with it within seconds: restart the subgraph with it now (SUBGRAPH_SECRETS=name=<secret>). It is not shown again:');
      console.log(data.rotateSubgraphSecret.signingSecret);
      break;
    }
    case 'check': {
      const result = await call<{ checkSubgraph: CheckReport }>(`query ($input: SubgraphInput!) { checkSubgraph(input: $input) { ${CHECK_REPORT} } }`, {
        input: input(),
      });
      const data = dataOf(result);
      console.log(data.checkSubgraph.ok ? 'check passed: publishing would be accepted' : 'check FAILED: publishing would be refused');
      printReport(data.checkSubgraph);
      if (!data.checkSubgraph.ok) process.exitCode = 1;
      break;
    }
    case 'publish': {
      const timeoutMs = values.wait ? waitTimeoutMs() : 0;
      const result = await call<{ publishSubgraph: { version: SupergraphVersion; report: CheckReport } }>(
        `mutation ($input: SubgraphInput!, $force: Boolean) { publishSubgraph(input: $input, force: $force) { version { ${VERSION} } report { ${CHECK_REPORT} } } }`,
        { input: input(), force: values.force },
      );
      const data = dataOf(result);
      console.log(`published: supergraph version ${data.publishSubgraph.version.version}; gateways load it within seconds`);
      printReport(data.publishSubgraph.report);
      if (values.wait) await waitUntilServed(data.publishSubgraph.version.version, timeoutMs);
      break;
    }
    case 'rollback':
    case 'rollback-all': {
      const result =
        command === 'rollback'
          ? await call<{ done: SupergraphVersion }>(
              `mutation ($name: String!, $to: Int!, $force: Boolean) { done: rollbackSubgraph(name: $name, toVersion: $to, force: $force) { ${VERSION} } }`,
              { name, to: version(), force: values.force },
            )
          : await call<{ done: SupergraphVersion }>(
              `mutation ($to: Int!, $force: Boolean) { done: rollbackSupergraph(toVersion: $to, force: $force) { ${VERSION} } }`,
              { to: version(), force: values.force },
            );
      const data = dataOf(result);
      console.log(`rolled back: supergraph version ${data.done.version} (${data.done.subject})`);
      break;
    }
    case 'remove': {
      const result = await call<{ removeSubgraph: SupergraphVersion }>(
        `mutation ($name: String!, $force: Boolean) { removeSubgraph(name: $name, force: $force) { ${VERSION} } }`,
        { name, force: values.force },
      );
      const data = dataOf(result);
      console.log(`removed: supergraph version ${data.removeSubgraph.version}`);
      break;
    }
    case 'list': {
      const result = await call<{ subgraphs: Array<{ name: string; url: string; owner: string }> }>('{ subgraphs { name url owner } }', {});
      const data = dataOf(result);
      for (const subgraph of data.subgraphs) console.log(`${subgraph.name}\t${subgraph.owner}\t${subgraph.url}`);
      break;
    }
    case 'history': {
      const result = await call<{ supergraphHistory: SupergraphVersion[] }>(`query ($first: Int) { supergraphHistory(first: $first) { ${VERSION} } }`, {
        first: Number(values.first ?? 20),
      });
      const data = dataOf(result);
      for (const entry of data.supergraphHistory)
        console.log(
          `v${entry.version}\t${entry.createdAt}\t${entry.action} ${entry.subject}\tby ${entry.actor}${entry.forced ? ' (forced)' : ''}\t[${entry.subgraphs.join(', ')}]`,
        );
      break;
    }
    case 'status': {
      const [live, latest] = await Promise.all([
        replicas(),
        call<{ supergraphHistory: Array<{ version: number }> }>('{ supergraphHistory(first: 1) { version } }', {}),
      ]);
      const history = dataOf(latest);
      console.log(`latest supergraph version: v${history.supergraphHistory[0]?.version ?? '-'}; ${live.length} live gateway replica(s)`);
      for (const replica of live) printReplica(replica);
      break;
    }
    case 'flows':
      await flows(name, positionals[2]);
      break;
    default:
      console.log(USAGE);
      if (command) process.exitCode = 1;
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
