import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { type RunningServer, migrate } from '../../platform';
import { generatedCitizens, seedDatabase } from '../../subgraphs/seed';
import { socialInsurance, seedBooks } from '../../subgraphs/social-insurance';
import { reachableCoordinates, gatewayMigrations } from '../../gateway';
import { scratchDatabase } from '../helpers/database';
import { serveSubgraph } from '../helpers/subgraph';
import { startTestStack, type TestClient, type TestStack } from '../helpers/stack';

const ROOTS = ['Query.subgraphs', 'Mutation.registerSubgraph', 'Mutation.publishSubgraph', 'Mutation.rotateSubgraphSecret'];
const INSURANCE = 'query ($id: ID!) { citizen(personalId: $id) { fullName socialInsurance { status } } }';
const ROTATE = 'mutation ($name: String!) { rotateSubgraphSecret(name: $name) { name owner signingSecret } }';

/** The generated people: the population agency's citizens and those the social insurance agency keeps books for. */
const SEED = { citizens: 100, seed: 9 };

let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
let stack: TestStack;
let agency: TestClient;
let otherAgency: TestClient;
let admin: TestClient;
let portal: TestClient;
let insured: string;
let insurance: RunningServer | undefined;
let port = 0;

/** The agency's subgraph process, started (again) on the same port with the given secret. */
async function startInsurance(secret: string): Promise<RunningServer> {
  await insurance?.stop();
  insurance = await serveSubgraph(socialInsurance, { db: scratch.db, databaseUrl: scratch.url, secret, port });
  port = Number(new URL(insurance.url).port);
  return insurance;
}

const readInsurance = () => stack.graphql(INSURANCE, { id: insured }, portal.headers);

beforeAll(async () => {
  scratch = await scratchDatabase();
  for (const set of [...builtInSubgraphs, ...gatewayMigrations, socialInsurance]) await migrate(scratch.db, set.name, set.migrations);
  await seedDatabase(scratch.db, SEED);
  await seedBooks(scratch.db, generatedCitizens(SEED), 20);
  insured = (await scratch.db.query<{ id: string }>('SELECT personal_id AS id FROM social_insurance.books ORDER BY 1 LIMIT 1'))[0]?.id ?? '';
  stack = await startTestStack({ DATABASE_URL: scratch.url }, { registry: true });
  const coordinates = reachableCoordinates(stack.apiSchema, ROOTS);
  agency = await stack.newClient({ role: 'AGENCY', purpose: 'REGISTRY', coordinates });
  otherAgency = await stack.newClient({ role: 'AGENCY', purpose: 'REGISTRY', coordinates });
  admin = await stack.newClient({ role: 'ADMIN', purpose: 'REGISTRY', coordinates });
  portal = await stack.newClient({ coordinates: ['Query.citizen', 'Citizen.fullName', 'Citizen.socialInsurance', 'SocialInsuranceBook.status'] });
  const registered = await stack.graphql<{ registerSubgraph: { signingSecret: string } }>(
    'mutation { registerSubgraph(name: "social-insurance") { signingSecret } }',
    {},
    agency.headers,
  );
  const { url } = await startInsurance(registered.data?.registerSubgraph.signingSecret ?? '');
  const published = await stack.graphql(
    'mutation ($input: SubgraphInput!) { publishSubgraph(input: $input) { version { version } } }',
    { input: { name: 'social-insurance', url, sdl: print(socialInsurance.typeDefs) } },
    agency.headers,
  );
  if (published.errors) throw new Error(`publish failed: ${String(published.errors[0]?.message)}`);
  // The gateway follows the registry: wait until it serves the published version.
  for (let tries = 0; !(await readInsurance()).data?.citizen?.socialInsurance; tries += 1) {
    if (tries > 200) throw new Error('the gateway never served social-insurance');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  await insurance?.stop();
  await stack?.stop();
  await scratch?.drop();
});

describe('npm run registry -- rotate-secret: a lost signing secret is reissued', () => {
  it('gives the owner a new secret that gateways sign with at once; the subgraph restarted with it is served again', async () => {
    const rotated = await stack.graphql<{ rotateSubgraphSecret: { name: string; owner: string; signingSecret: string } }>(
      ROTATE,
      { name: 'social-insurance' },
      agency.headers,
    );
    expect(rotated.errors).toBeUndefined();
    expect(rotated.data?.rotateSubgraphSecret).toMatchObject({
      name: 'social-insurance',
      owner: agency.clientId,
      signingSecret: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const secret = rotated.data?.rotateSubgraphSecret.signingSecret ?? '';
    const [stored] = await scratch.db.query<{ secret: string }>("SELECT signing_secret AS secret FROM registry.subgraphs WHERE name = 'social-insurance'");
    expect(stored?.secret).toBe(secret);

    // The subgraph still runs with the old secret: it now refuses the gateway's requests, which are signed with the new one.
    const refused = await readInsurance();
    expect(refused.errors?.length).toBeGreaterThan(0);
    expect(refused.data?.citizen?.socialInsurance ?? null).toBeNull();

    await startInsurance(secret);
    const served = await readInsurance();
    expect(served.errors).toBeUndefined();
    expect(served.data?.citizen?.socialInsurance).toMatchObject({ status: expect.any(String) });
  });

  it("is recorded in the audit log as the agency's registry request", async () => {
    const records = await scratch.db.query<{ outcome: string; coordinates: string[] }>(
      "SELECT outcome, coordinates FROM audit.records WHERE client_id = $1 AND purpose = 'REGISTRY' AND 'Mutation.rotateSubgraphSecret' = ANY(coordinates)",
      [agency.clientId],
    );
    expect(records.map((record) => record.outcome)).toContain('OK');
  });

  it("refuses another agency, the platform's subgraphs, and names that are not registered, changing nothing", async () => {
    const [before] = await scratch.db.query<{ secret: string }>("SELECT signing_secret AS secret FROM registry.subgraphs WHERE name = 'social-insurance'");
    const other = await stack.graphql(ROTATE, { name: 'social-insurance' }, otherAgency.headers);
    expect(other.errors?.[0]).toMatchObject({
      extensions: { code: 'FORBIDDEN' },
      message: `Subgraph "social-insurance" belongs to client "${agency.clientId}"; client "${otherAgency.clientId}" may not change it`,
    });
    const platform = await stack.graphql(ROTATE, { name: 'population' }, admin.headers);
    expect(platform.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(platform.errors?.[0]?.message).toContain('SUBGRAPH_SECRETS');
    for (const name of ['no-such-subgraph', "x'; DROP TABLE registry.subgraphs; --", '']) {
      const unknown = await stack.graphql(ROTATE, { name }, admin.headers);
      expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(unknown.data ?? null).toBeNull();
    }
    const [after] = await scratch.db.query<{ secret: string }>("SELECT signing_secret AS secret FROM registry.subgraphs WHERE name = 'social-insurance'");
    expect(after?.secret).toBe(before?.secret);
  });

  it("lets an administrator rotate an agency's secret", async () => {
    const rotated = await stack.graphql<{ rotateSubgraphSecret: { owner: string } }>(ROTATE, { name: 'social-insurance' }, admin.headers);
    expect(rotated.data?.rotateSubgraphSecret.owner).toBe(agency.clientId);
  });
});
