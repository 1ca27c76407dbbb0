import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { startGraphQLHttpServer, type RunningServer, migrate, signatureProblem } from '../../platform';
import type { GraphQLResolverMap } from '../../subgraphs/kit';
import { seedDatabase } from '../../subgraphs/seed';
import { composeInWorker, entryOf } from '../../subgraphs/registry';
import { reachableCoordinates, gatewayMigrations } from '../../gateway';
import { scratchDatabase, silentLog } from '../helpers/database';
import { postGraphQL, startTestStack, type TestClient, type TestStack } from '../helpers/stack';

const REGISTRY_ROOTS = [
  'Query.subgraphs',
  'Query.supergraphHistory',
  'Query.checkSubgraph',
  'Query.dataFlowApprovals',
  'Query.liveDataFlows',
  'Mutation.registerSubgraph',
  'Mutation.publishSubgraph',
  'Mutation.rollbackSubgraph',
  'Mutation.rollbackSupergraph',
  'Mutation.removeSubgraph',
  'Mutation.requestDataFlows',
  'Mutation.approveDataFlow',
  'Mutation.consentDataFlow',
  'Mutation.revokeDataFlow',
];
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override", "@requires", "@external"])';
const FLOW = 'subgraph directive coordinate target owner ownerSubgraphs approved approvalId';
const CHECK = `query ($input: SubgraphInput!) { checkSubgraph(input: $input) { ok unapprovedFlows serviceProblem compositionErrors { code message } flows { ${FLOW} } } }`;
const PUBLISH =
  'mutation ($input: SubgraphInput!) { publishSubgraph(input: $input) { version { version } report { ok flows { directive target approved } } } }';
const APPROVAL = 'id agency subgraph directive coordinate target owner status legalBasis approvedBy consentedBy revokedBy';
const NAME = 'query ($id: ID!) { citizen(personalId: $id) { fullName } }';

/** Population fields the siphon asks the gateway to send along with every citizen it resolves. */
const SIPHONED = ['dateOfBirth', 'phone', 'email', 'religion', 'ethnicity', 'oldIdNumber', 'occupation'];
const TAKE_OVER = `${LINK}
type Citizen @key(fields: "personalId") {
  personalId: ID!
  fullName: String! @override(from: "population")
}`;
const ROOT_TAKE_OVER = `${LINK}
type Query { citizen(personalId: ID!): Citizen @override(from: "population") }
type Citizen @key(fields: "personalId") { personalId: ID! }`;
const SIPHON = `${LINK}
scalar Date
type Citizen @key(fields: "personalId") {
  personalId: ID!
  dateOfBirth: Date! @external
  phone: String @external
  email: String @external
  religion: String! @external
  ethnicity: String! @external
  oldIdNumber: String @external
  occupation: String @external
  insuranceStatus: String @requires(fields: "${SIPHONED.join(' ')}")
}`;

/** An agency's server as an attacker runs it: it serves `sdl` (echoing what it is sent) and records every request. */
async function startRecordingSubgraph(sdl: string): Promise<RunningServer & { received: Array<{ body: string; headers: IncomingHttpHeaders }> }> {
  const received: Array<{ body: string; headers: IncomingHttpHeaders }> = [];
  const echo = (reference: Record<string, unknown>) => ({ ...reference, fullName: 'FORGED', insuranceStatus: JSON.stringify(reference) });
  const resolvers: GraphQLResolverMap<unknown> = { Citizen: { __resolveReference: echo } };
  if (sdl.includes('type Query')) resolvers.Query = { citizen: () => ({ personalId: '0', fullName: 'FORGED' }) };
  const schema = buildSubgraphSchema([{ typeDefs: parse(sdl), resolvers }]);
  const server = await startGraphQLHttpServer({
    apollo: new ApolloServer({ schema, plugins: [ApolloServerPluginInlineTraceDisabled()] }),
    context: async () => ({}),
    verifyBody: (body, request) => void received.push({ body, headers: request.headers }),
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 1024 * 1024,
    maxInFlight: 16,
    log: silentLog,
  });
  return { ...server, received };
}

/** A plain HTTP server answering every request with `status`, `headers` and `body`, counting requests. */
async function startRawServer(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ url: string; requests: () => number; stop(): Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((_, response) => {
    requests += 1;
    response.writeHead(status, headers).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/graphql`, requests: () => requests, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Runs the agency's registry CLI against the test gateway with `apiKey`. */
function registryCli(args: string[], apiKey: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, ONCE_GATEWAY: stack.gatewayUrl, ONCE_API_KEY: apiKey };
    execFile(process.execPath, ['--import', 'tsx', 'gateway/registry-cli.ts', ...args], { env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
let stack: TestStack;
let agency: TestClient;
let otherAgency: TestClient;
let admin: TestClient;
let portal: TestClient;
let citizenId: string;
let attackerSecret: string;
const servers: Array<{ stop(): Promise<void> }> = [];
const versionOf = async () =>
  Number(((await fetch(stack.gatewayUrl.replace('/graphql', '/health')).then((response) => response.json())) as { version: unknown }).version);

beforeAll(async () => {
  scratch = await scratchDatabase();
  for (const set of [...builtInSubgraphs, ...gatewayMigrations]) await migrate(scratch.db, set.name, set.migrations);
  await seedDatabase(scratch.db, { citizens: 50, seed: 9 });
  citizenId = (await scratch.db.query<{ id: string }>('SELECT personal_id AS id FROM population.citizens ORDER BY 1 LIMIT 1'))[0]?.id ?? '';
  // Generous limits: the suite's files run in parallel on a busy machine, and these tests compose large SDLs.
  stack = await startTestStack(
    { DATABASE_URL: scratch.url, SUPERGRAPH_POLL_MS: '300', REGISTRY_CHECK_TIMEOUT_MS: '60000', SUBGRAPH_TIMEOUT_MS: '90000' },
    { registry: true },
  );
  const registry = reachableCoordinates(stack.apiSchema, REGISTRY_ROOTS);
  agency = await stack.newClient({ role: 'AGENCY', purpose: 'REGISTRY', coordinates: registry });
  otherAgency = await stack.newClient({ role: 'AGENCY', purpose: 'REGISTRY', coordinates: registry });
  admin = await stack.newClient({ role: 'ADMIN', purpose: 'REGISTRY', coordinates: registry });
  portal = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName'] });
  const registered = await stack.graphql<{ registerSubgraph: { signingSecret: string } }>(
    'mutation { registerSubgraph(name: "insurance-x") { signingSecret } }',
    {},
    agency.headers,
  );
  attackerSecret = registered.data?.registerSubgraph.signingSecret ?? '';
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  await stack?.stop();
  await scratch?.drop();
});

async function recording(sdl: string) {
  const server = await startRecordingSubgraph(sdl);
  servers.push(server);
  return server;
}

describe("take-over of another agency's fields", () => {
  it("is listed by check and refused at publish, and the portal keeps population's names", async () => {
    const attacker = await recording(TAKE_OVER);
    const before = await versionOf();
    const input = { name: 'insurance-x', url: attacker.url, sdl: TAKE_OVER };
    const check = await stack.graphql(CHECK, { input }, agency.headers);
    expect(check.errors).toBeUndefined();
    expect(check.data?.checkSubgraph).toMatchObject({ ok: false, unapprovedFlows: 1, compositionErrors: [], serviceProblem: null });
    expect(check.data?.checkSubgraph.flows).toEqual([
      {
        subgraph: 'insurance-x',
        directive: 'OVERRIDE',
        coordinate: 'Citizen.fullName',
        target: 'Citizen.fullName',
        owner: 'system',
        ownerSubgraphs: ['population'],
        approved: false,
        approvalId: null,
      },
    ]);
    const publish = await stack.graphql(PUBLISH, { input }, agency.headers);
    expect(publish.errors?.[0]?.extensions).toMatchObject({
      code: 'DATA_FLOW_NOT_APPROVED',
      flows: [{ directive: 'OVERRIDE', target: 'Citizen.fullName', owner: 'system' }],
    });
    expect(publish.errors?.[0]?.message).toBe(
      'Publish of insurance-x refused: cross-agency data flows without an approval: @override Citizen.fullName -> Citizen.fullName (owner system)',
    );
    expect(await versionOf()).toBe(before);
    const read = await postGraphQL<{ citizen: { fullName: string } }>(stack.gatewayUrl, { query: NAME, variables: { id: citizenId } }, portal.headers);
    expect(read.data?.citizen.fullName).toEqual(expect.any(String));
    expect(read.data?.citizen.fullName).not.toBe('FORGED');
    expect(attacker.received.map(({ body }) => body).filter((body) => body.includes('_entities'))).toEqual([]);
  });

  it('of a root field (Query.citizen) is refused the same way', async () => {
    const attacker = await recording(ROOT_TAKE_OVER);
    const publish = await stack.graphql(PUBLISH, { input: { name: 'insurance-x', url: attacker.url, sdl: ROOT_TAKE_OVER } }, agency.headers);
    expect(publish.errors?.[0]?.extensions?.code).toBe('DATA_FLOW_NOT_APPROVED');
    expect(publish.errors?.[0]?.extensions?.flows).toEqual([
      expect.objectContaining({ directive: 'OVERRIDE', coordinate: 'Query.citizen', owner: 'system', approved: false }),
    ]);
  });

  it("needs the owner's consent on top of an administrator's approval", async () => {
    const attacker = await recording(TAKE_OVER);
    const requested = await stack.graphql(
      `mutation ($input: SubgraphInput!) { requestDataFlows(input: $input, reason: "Names as the insurance book has them") { ${APPROVAL} } }`,
      { input: { name: 'insurance-x', url: attacker.url, sdl: TAKE_OVER } },
      agency.headers,
    );
    expect(requested.errors).toBeUndefined();
    const [approval] = requested.data?.requestDataFlows ?? [];
    expect(approval).toMatchObject({
      agency: agency.clientId,
      subgraph: 'insurance-x',
      directive: 'OVERRIDE',
      coordinate: 'Citizen.fullName',
      owner: 'system',
      status: 'REQUESTED',
    });
    const approve = 'mutation ($id: Int!) { approveDataFlow(id: $id, legalBasis: "Decision 1/2026") { status legalBasis } }';
    expect((await stack.graphql(approve, { id: approval.id }, agency.headers)).errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: 'Only an administrator approves data flows',
    });
    expect((await stack.graphql(approve, { id: approval.id }, admin.headers)).data?.approveDataFlow).toEqual({
      status: 'AWAITING_CONSENT',
      legalBasis: 'Decision 1/2026',
    });
    const consent = 'mutation ($id: Int!) { consentDataFlow(id: $id) { status consentedBy } }';
    expect((await stack.graphql(consent, { id: approval.id }, otherAgency.headers)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await stack.graphql(consent, { id: approval.id }, agency.headers)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await stack.graphql(consent, { id: approval.id }, admin.headers)).data?.consentDataFlow).toEqual({
      status: 'ACTIVE',
      consentedBy: `client:${admin.clientId}`,
    });
    const revoked = await stack.graphql('mutation ($id: Int!) { revokeDataFlow(id: $id) { status revokedBy } }', { id: approval.id }, admin.headers);
    expect(revoked.data?.revokeDataFlow).toEqual({ status: 'REVOKED', revokedBy: `client:${admin.clientId}` });
    expect((await stack.graphql(approve, { id: approval.id }, admin.headers)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('a siphon through @requires', () => {
  const flowTargets = SIPHONED.map((field) => `Citizen.${field}`);
  /** The attacker's server, and the version that published it with its flows approved (the first test sets both). */
  let approved: { attacker: Awaited<ReturnType<typeof recording>>; version: number };

  it('is refused without approval, accepted with one, and refused again after a revocation that the live version reports', async () => {
    const attacker = await recording(SIPHON);
    const input = { name: 'insurance-x', url: attacker.url, sdl: SIPHON };
    const refused = await stack.graphql(PUBLISH, { input }, agency.headers);
    expect(refused.errors?.[0]?.extensions?.code).toBe('DATA_FLOW_NOT_APPROVED');
    expect(refused.errors?.[0]?.extensions?.flows.map((flow: { directive: string; target: string }) => `${flow.directive} ${flow.target}`)).toEqual(
      flowTargets.map((target) => `REQUIRES ${target}`),
    );

    const requested = await stack.graphql<{ requestDataFlows: Array<{ id: number; target: string; status: string }> }>(
      `mutation ($input: SubgraphInput!) { requestDataFlows(input: $input, reason: "Eligibility needs age and contact") { ${APPROVAL} } }`,
      { input },
      agency.headers,
    );
    const approvals = requested.data?.requestDataFlows ?? [];
    expect(approvals.map((approval) => [approval.target, approval.status])).toEqual(flowTargets.map((target) => [target, 'REQUESTED']));
    for (const { id } of approvals) {
      const approved = await stack.graphql(
        'mutation ($id: Int!) { approveDataFlow(id: $id, legalBasis: "Law on Social Insurance 2024, Art. 12") { status } }',
        { id },
        admin.headers,
      );
      expect(approved.data?.approveDataFlow.status).toBe('ACTIVE');
    }
    const check = await stack.graphql(CHECK, { input }, agency.headers);
    expect(check.data?.checkSubgraph).toMatchObject({ ok: true, unapprovedFlows: 0 });
    const published = await stack.graphql(PUBLISH, { input }, agency.headers);
    expect(published.errors).toBeUndefined();
    expect(published.data?.publishSubgraph.report.flows).toHaveLength(SIPHONED.length);
    approved = { attacker, version: published.data?.publishSubgraph.version.version };

    const phone = approvals.find((approval) => approval.target === 'Citizen.phone');
    await stack.graphql('mutation ($id: Int!) { revokeDataFlow(id: $id) { status } }', { id: phone?.id }, admin.headers);
    const live = await stack.graphql<{ liveDataFlows: Array<{ target: string; approved: boolean }> }>(
      `{ liveDataFlows(subgraph: "insurance-x") { ${FLOW} } }`,
      {},
      agency.headers,
    );
    expect(live.data?.liveDataFlows.filter((flow) => !flow.approved).map((flow) => flow.target)).toEqual(['Citizen.phone']);
    const again = await stack.graphql(PUBLISH, { input }, agency.headers);
    expect(again.errors?.[0]?.extensions).toMatchObject({
      code: 'DATA_FLOW_NOT_APPROVED',
      flows: [{ directive: 'REQUIRES', target: 'Citizen.phone', approved: false }],
    });

    const listed = await stack.graphql<{ dataFlowApprovals: Array<{ target: string; status: string }> }>(
      `{ dataFlowApprovals(subgraph: "insurance-x", includeRevoked: true) { ${APPROVAL} } }`,
      {},
      agency.headers,
    );
    expect(listed.data?.dataFlowApprovals.filter((approval) => approval.target === 'Citizen.phone').map((approval) => approval.status)).toEqual(['REVOKED']);
    const hidden = await stack.graphql<{ dataFlowApprovals: unknown[]; liveDataFlows: unknown[] }>(
      '{ dataFlowApprovals(includeRevoked: true) { id } liveDataFlows { subgraph } }',
      {},
      otherAgency.headers,
    );
    expect(hidden.data).toEqual({ dataFlowApprovals: [], liveDataFlows: [] });
  });

  it('once approved, is served only to a portal granted the fields it is sent, and the audit record names them and the receiving subgraph', async () => {
    await expect.poll(versionOf, { timeout: 15_000 }).toBe(approved.version);
    const query = 'query ($id: ID!) { citizen(personalId: $id) { insuranceStatus } }';
    const required = [...flowTargets].sort();
    const statusOnly = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.insuranceStatus'] });
    const seen = approved.attacker.received.length;
    const refused = await postGraphQL(stack.gatewayUrl, { query, variables: { id: citizenId } }, statusOnly.headers);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', denied: required });
    expect(refused.errors?.[0]?.message).toContain(`${required.join(', ')} (the query plan would send them`);
    expect(approved.attacker.received).toHaveLength(seen);

    const granted = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.insuranceStatus', ...flowTargets] });
    const served = await postGraphQL<{ citizen: { insuranceStatus: string } }>(stack.gatewayUrl, { query, variables: { id: citizenId } }, granted.headers);
    expect(served.errors).toBeUndefined();
    expect(JSON.parse(served.data?.citizen.insuranceStatus ?? '{}')).toMatchObject({ personalId: citizenId });
    const [representation] = (JSON.parse(approved.attacker.received.at(-1)?.body ?? '{}') as { variables: { representations: object[] } }).variables
      .representations;
    expect(Object.keys(representation ?? {}).sort()).toEqual(['__typename', 'personalId', ...SIPHONED].sort());
    const record = await stack.auditRecordOf(served);
    expect(record).toMatchObject({ outcome: 'OK', subgraphs: ['insurance-x', 'population'] });
    expect(record?.coordinates).toEqual([...required, 'Citizen.insuranceStatus', 'Query.citizen'].sort());
    expect(record?.sent).toEqual(['Citizen.personalId', ...required].sort().map((coordinate) => `insurance-x:${coordinate}`));
  });

  it("shows in `npm run registry -- flows list` as a violation of the live version, and the CLI refuses an agency's approval", async () => {
    const listed = await registryCli(['flows', 'list', 'insurance-x', '--all'], agency.apiKey);
    expect(listed.code).toBe(1);
    expect(listed.stdout).toContain('live flows: 7, without an approval in force: 1');
    expect(listed.stdout).toContain('VIOLATION  @requires insurance-x: Citizen.insuranceStatus -> Citizen.phone (owner system)');
    expect(listed.stdout).toMatch(/#\d+\tREVOKED\t/);
    const approve = await registryCli(['flows', 'approve', '1', '--basis', 'none'], agency.apiKey);
    expect(approve).toMatchObject({ code: 1, stderr: expect.stringContaining('refused [FORBIDDEN]: Only an administrator approves data flows') });
  });
});

describe('routing URLs', () => {
  const check = (url: string, headers = agency.headers) => stack.graphql(CHECK, { input: { name: 'insurance-x', url, sdl: SIPHON } }, headers);

  it('refuses data:, file: and hosts not on the allow-list, echoing nothing they would return', async () => {
    const secretBody = 'root:x:0:0:TOP-SECRET';
    for (const url of [
      `data:application/json,{"data":{"_service":{"sdl":"${secretBody}"}}}`,
      'file:///etc/passwd',
      'http://169.254.169.254/latest/meta-data/',
      'http://localhost:4001/graphql',
      'http://user:pw@127.0.0.1:4001/graphql',
    ]) {
      const response = await check(url);
      expect(response.errors?.[0]?.extensions?.code, url).toBe('ROUTING_URL_NOT_ALLOWED');
      expect(JSON.stringify(response)).not.toContain(secretBody);
    }
    expect((await check('data:text/plain,x')).errors?.[0]?.message).toBe('The routing URL must be http or https, not data');
    expect((await check('http://10.1.2.3/graphql')).errors?.[0]?.message).toBe("The routing URL's host 10.1.2.3 is not on REGISTRY_ALLOWED_HOSTS");
  });

  it('reports probe failures in fixed words, follows no redirect and never returns what the URL answered', async () => {
    const secretBody = 'internal page: db password hunter2';
    const html = await startRawServer(200, secretBody, { 'content-type': 'text/html' });
    const target = await startRawServer(200, '{"data":{"_service":{"sdl":"type Query { a: Int }"}}}', { 'content-type': 'application/json' });
    const redirect = await startRawServer(302, '', { location: target.url });
    const closed = await startRawServer(200, '');
    await closed.stop();
    servers.push(html, target, redirect);
    const notGraphQL = 'not GraphQL: the routing URL did not answer `{ _service { sdl } }` as a subgraph does';
    const html200 = await check(html.url);
    expect(html200.data?.checkSubgraph.serviceProblem).toBe(notGraphQL);
    expect(JSON.stringify(html200)).not.toContain('hunter2');
    expect((await check(redirect.url)).data?.checkSubgraph.serviceProblem).toBe(notGraphQL);
    expect(target.requests()).toBe(0);
    expect((await check(closed.url)).data?.checkSubgraph.serviceProblem).toBe('refused: nothing at the routing URL accepted the connection');
    expect((await check(target.url)).data?.checkSubgraph.serviceProblem).toBe('SDL differs: the routing URL serves another schema than the SDL being checked');
  });

  it("signs a probe with the checked subgraph's own secret only, and refuses to check another agency's subgraph", async () => {
    const attacker = await recording(SIPHON);
    expect((await check(attacker.url)).data?.checkSubgraph.serviceProblem).toBeNull();
    const [probe] = attacker.received;
    const verify = (secret: string) =>
      signatureProblem({ secret, header: (name) => probe?.headers[name] as string | undefined, body: probe?.body ?? '', now: Date.now(), maxSkewMs: 30_000 });
    expect(verify(attackerSecret)).toBeNull();
    expect(verify('test-secret-population-0123456789abcdef')).not.toBeNull();

    const seen = attacker.received.length;
    const foreign = await check(attacker.url, otherAgency.headers);
    expect(foreign.errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: `Subgraph "insurance-x" belongs to client "${agency.clientId}"; client "${otherAgency.clientId}" may not change it`,
    });
    const platform = await stack.graphql(CHECK, { input: { name: 'population', url: attacker.url, sdl: SIPHON } }, agency.headers);
    expect(platform.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(attacker.received.length).toBe(seen);
  });
});

describe('bounded work', () => {
  it('refuses an SDL above REGISTRY_MAX_SDL_BYTES at once, while the gateway keeps answering', async () => {
    const huge = `${LINK}\n${Array.from({ length: 12_000 }, (_, index) => `type T${index} { field${index}: String }`).join('\n')}`;
    expect(Buffer.byteLength(huge)).toBeGreaterThan(256 * 1024);
    const [refused, read] = await Promise.all([
      stack.graphql(CHECK, { input: { name: 'insurance-x', url: 'http://127.0.0.1:1/graphql', sdl: huge } }, agency.headers),
      postGraphQL<{ citizen: { fullName: string } }>(stack.gatewayUrl, { query: NAME, variables: { id: citizenId } }, portal.headers),
    ]);
    expect(refused.errors?.[0]).toMatchObject({
      extensions: { code: 'SDL_TOO_LARGE' },
      message: `The SDL is ${Buffer.byteLength(huge)} bytes; the registry reads at most 262144 (REGISTRY_MAX_SDL_BYTES)`,
    });
    expect(read.data?.citizen.fullName).toEqual(expect.any(String));
  });

  it('answers portals while a check composes in its worker thread', async () => {
    const many = `${LINK}\ntype Query { ${Array.from({ length: 3_000 }, (_, index) => `f${index}: T${index % 300}`).join(' ')} }\n${Array.from({ length: 300 }, (_, index) => `type T${index} { a: Int b: String }`).join('\n')}`;
    let checked = false;
    const checking = stack.graphql(CHECK, { input: { name: 'insurance-x', url: 'http://127.0.0.1:1/graphql', sdl: many } }, agency.headers).finally(() => {
      checked = true;
    });
    // Composition in the serving thread would hold these reads until it ended, and the check would answer first.
    for (let read = 0; read < 5; read += 1) {
      const response = await postGraphQL<{ citizen: { fullName: string } }>(stack.gatewayUrl, { query: NAME, variables: { id: citizenId } }, portal.headers);
      expect(response.data?.citizen.fullName).toEqual(expect.any(String));
    }
    expect(checked).toBe(false);
    expect((await checking).data?.checkSubgraph.compositionErrors).toEqual([]);
  });

  it('gives a clean error, not a stack trace, for an SDL nested past the stack', async () => {
    const deep = `type Query { a: ${'['.repeat(60_000)}String${']'.repeat(60_000)} }`;
    const response = await stack.graphql(CHECK, { input: { name: 'insurance-x', url: 'http://127.0.0.1:1/graphql', sdl: deep } }, agency.headers);
    expect(response.errors).toBeUndefined();
    expect(response.data?.checkSubgraph).toMatchObject({
      ok: false,
      compositionErrors: [{ code: 'SDL_TOO_DEEP', message: 'The SDL nests deeper than the registry analyses' }],
    });
    const publish = await stack.graphql(PUBLISH, { input: { name: 'insurance-x', url: 'http://127.0.0.1:1/graphql', sdl: deep } }, agency.headers);
    expect(publish.errors?.[0]?.extensions?.code).toBe('SCHEMA_CHECK_FAILED');
    expect(JSON.stringify(publish)).not.toMatch(/stacktrace|RangeError|at .*\.ts:\d+/);
  });

  it('stops a composition that runs past its time limit, and the next check gets a fresh worker', async () => {
    const proposed = builtInSubgraphs.map((module) => entryOf(module, `http://127.0.0.1/${module.name}`));
    const job = { proposed, owners: {}, analyse: [], candidate: null, compose: true, liveSupergraphSdl: null };
    await expect(composeInWorker(job, { timeoutMs: 20, log: silentLog })).rejects.toMatchObject({ extensions: { code: 'SCHEMA_CHECK_TIMEOUT' } });
    const next = await composeInWorker(job, { timeoutMs: 60_000, log: silentLog });
    expect(next.problems).toEqual([]);
    expect(next.supergraphSdl).toContain('join__Graph');
  });
});
