import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { migrate, createNotifier } from '../../platform';
import type { GatewayHealthCheck } from '../../subgraphs/kit';
import {
  history,
  latestVersion,
  registryDeps,
  remove,
  rollbackSupergraph,
  syncBuiltIns,
  type Actor,
  type RegistryDeps,
  type SubgraphEntry,
} from '../../subgraphs/registry';
import { gatewayMigrations } from '../../gateway';
import { scratchDatabase, silentLog, testConfig } from '../helpers/database';

/** A subgraph that needs population's fields to resolve its own: it depends on population. */
const DEPENDENT = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@external", "@requires"])
type Citizen @key(fields: "personalId") {
  personalId: ID!
  fullName: String! @external
  greeting: String @requires(fields: "fullName")
}`;

/** Subgraphs the stand-in for the gateways' health check finds down: no subgraph runs in this tier. */
const down = new Set<string>();
const healthCheck: GatewayHealthCheck = (subgraphs) =>
  Promise.resolve(subgraphs.filter(({ name }) => down.has(name)).map(({ name }) => `[${name}]: Subgraph ${name} answered HTTP 503`));

const admin: Actor = { principal: 'client:admin', clientId: 'admin', role: 'ADMIN' };
const agency: Actor = { principal: 'client:agency', clientId: 'agency', role: 'AGENCY' };

describe('registry versions, removal and dependencies', () => {
  let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
  let deps: RegistryDeps;
  const builtIns: SubgraphEntry[] = builtInSubgraphs.map((module) => ({
    name: module.name,
    url: `http://127.0.0.1/${module.name}`,
    sdl: print(module.typeDefs),
  }));

  beforeAll(async () => {
    scratch = await scratchDatabase();
    for (const set of [...builtInSubgraphs, ...gatewayMigrations]) await migrate(scratch.db, set.name, set.migrations);
    deps = registryDeps(testConfig({ DATABASE_URL: scratch.url }), {
      database: scratch.db,
      notifier: createNotifier(undefined, silentLog),
      log: silentLog,
      gatewayHealthCheck: healthCheck,
    });
  });
  afterAll(() => scratch?.drop());

  it('bootstraps once, and adds a version only when a built-in changes', async () => {
    const first = await syncBuiltIns(deps, builtIns);
    expect(first).toMatchObject({ version: 1, action: 'BOOTSTRAP', actor: 'system' });
    expect((await syncBuiltIns(deps, builtIns)).version).toBe(1);
    const moved = builtIns.map((entry) => (entry.name === 'residence' ? { ...entry, url: 'http://127.0.0.1/residence-v2' } : entry));
    expect(await syncBuiltIns(deps, moved)).toMatchObject({ version: 2, action: 'PUBLISH', subject: 'residence' });
  });

  it('refuses to remove a subgraph others depend on, naming the composition problem', async () => {
    await scratch.db.query(`INSERT INTO registry.subgraphs (name, owner) VALUES ('greetings', 'agency')`);
    const live = await latestVersion(scratch.db);
    await syncBuiltIns(deps, [...(live?.subgraphs ?? []), { name: 'greetings', url: 'http://127.0.0.1/greetings', sdl: DEPENDENT }]);
    await expect(remove(deps, admin, 'population', false)).rejects.toMatchObject({
      message: expect.stringMatching(/^Removal of population refused: it does not compose with the live graph into a supergraph the gateways load: \[/),
      extensions: { code: 'SCHEMA_CHECK_FAILED' },
    });
  });

  it('refuses a removal or a rollback the gateways would not serve, even forced by an administrator', async () => {
    const before = await latestVersion(scratch.db);
    down.add('residence');
    await expect(remove(deps, admin, 'greetings', true)).rejects.toMatchObject({
      message:
        'Removal of greetings refused: the gateways would not serve it, as their health check fails for [residence]: Subgraph residence answered HTTP 503',
      extensions: { code: 'SCHEMA_CHECK_FAILED' },
    });
    await expect(rollbackSupergraph(deps, admin, 1, true)).rejects.toMatchObject({
      message: expect.stringMatching(
        /^Rollback of the supergraph to version 1 refused: the gateways would not serve it, as their health check fails for \[residence\]/,
      ),
      extensions: { code: 'SCHEMA_CHECK_FAILED' },
    });
    down.clear();
    expect((await latestVersion(scratch.db))?.version).toBe(before?.version);
  });

  it('lets an agency remove its own subgraph but not the platform’s', async () => {
    await expect(remove(deps, agency, 'population', false)).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    const removed = await remove(deps, agency, 'greetings', false);
    expect(removed.subgraphs.map((entry) => entry.name)).not.toContain('greetings');
  });

  it('rolls the whole graph back as a new version, for administrators only, keeping history', async () => {
    await expect(rollbackSupergraph(deps, agency, 1, false)).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    const back = await rollbackSupergraph(deps, admin, 1, false);
    expect(back).toMatchObject({ action: 'ROLLBACK', subject: 'supergraph@1' });
    expect(back.supergraphSdl).toBe((await history(scratch.db, 100)).at(-1)?.supergraphSdl);
    expect((await history(scratch.db, 100)).map((version) => version.version)).toEqual([...Array(back.version).keys()].map((index) => back.version - index));
  });

  it('refuses a rollback that would bring back a routing URL the allow-list refuses now', async () => {
    // A version recorded before REGISTRY_ALLOWED_HOSTS (syncBuiltIns records what it is given), then a later one without it.
    const live = await latestVersion(scratch.db);
    const risky = await syncBuiltIns(deps, [...(live?.subgraphs ?? []), { name: 'greetings', url: 'data:application/json,{}', sdl: DEPENDENT }]);
    const after = await remove(deps, admin, 'greetings', false);
    await expect(rollbackSupergraph(deps, admin, risky.version, true)).rejects.toMatchObject({
      message: `Rollback of the supergraph to version ${risky.version} refused: it would route greetings to a URL not allowed now: The routing URL must be http or https, not data`,
      extensions: { code: 'ROUTING_URL_NOT_ALLOWED', subgraph: 'greetings' },
    });
    expect((await latestVersion(scratch.db))?.version).toBe(after.version);
  });
});
