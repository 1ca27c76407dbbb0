import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { builtInSubgraphs } from '../subgraphs';
import { startMetricsFor, createProgress, openMigratedDatabase, runMain } from '../platform';
import { openSubgraphServices, startSubgraphs } from '../subgraphs/kit';
import { apiSchemaOf, entryOf, registryDeps, syncBuiltIns } from '../subgraphs/registry';
import { firstCitizens } from '../subgraphs/population';
import { firstReusableHolder } from '../subgraphs/procedures';
import { countCitizens, seedDatabase } from '../subgraphs/seed';
import { ensureSigningKey, auditKeyFile } from '../subgraphs/audit';
import { initLocalKeys } from './access/tokens';
import { defaultJwksFile, gatewayMigrations, openAccessControl } from './access/access-control';
import { demoCredentialsFile, ensureDemoCredentials } from './demo';
import { startDemoIdentityProvider } from './pages/demo-identity-provider';
import { followRegistry, followerSettings } from './registry-follower';
import { startGateway } from './server';
import { failingHealthChecks } from './subgraph-health';
import { allInOneConfig, type AllInOneConfig } from './config';

const SAMPLE_QUERY = `query Enrolment($id: ID!) {
  citizen(personalId: $id) {
    fullName dateOfBirth
    household { address { text } members { relationshipToHead citizen { fullName } } }
    documentCheck(required: [BIRTH_CERTIFICATE, RESIDENCE_CONFIRMATION]) { missing requirements { type status } }
  }
}`;

/** Fresh per-start secrets for the subgraphs of this process, unless SUBGRAPH_SECRETS names them. */
function withSubgraphSecrets(config: AllInOneConfig): AllInOneConfig {
  const secrets = { ...config.SUBGRAPH_SECRETS };
  for (const { name } of builtInSubgraphs) secrets[name] ??= randomBytes(32).toString('hex');
  return { ...config, SUBGRAPH_SECRETS: secrets };
}

/**
 * `npm start`: the whole system in one process. The database (PGlite when DATABASE_URL is unset) is migrated and,
 * when empty, seeded; the built-in subgraphs start on their ports and are synced into the registry; the gateway
 * follows the registry, with access control and audit on. First start also creates demo credentials, printed below.
 */
await runMain('once', allInOneConfig, async (configured, log) => {
  const config = withSubgraphSecrets(configured);
  const db = await openMigratedDatabase(config, log, [...builtInSubgraphs, ...gatewayMigrations]);
  if ((await countCitizens(db)) === 0 && config.SEED_CITIZENS > 0) {
    const progress = createProgress('seed', config.SEED_CITIZENS, log);
    await seedDatabase(db, { citizens: config.SEED_CITIZENS, seed: config.SEED }, (done) => progress.update(done));
    progress.stop();
  }
  const platform = openSubgraphServices(config, db, log, failingHealthChecks);
  const { notifier } = platform;
  const subgraphs = await startSubgraphs(builtInSubgraphs, { config, platform });
  const sample = await firstReusableHolder(db, 'BIRTH_CERTIFICATE');
  const live = await syncBuiltIns(
    registryDeps(config, platform),
    subgraphs.map(({ module, server }) => entryOf(module, server.url)),
  );
  // Local signing keys, so that citizen and client tokens work out of the box (unless an identity provider is set).
  if (!config.JWKS_URL) await initLocalKeys(config.JWKS_FILE ?? defaultJwksFile(config));
  // The audit key signs the log's checkpoints; it lives beside the other keys, never in the database.
  if (!config.AUDIT_SIGNING_KEY_FILE) ensureSigningKey(auditKeyFile(config));
  // Citizens sign in to the data tracker with OpenID Connect: without a configured provider, a local demo one
  // stands in for the national one, listing a few seeded citizens (the sample first).
  let pagesOrigins: string[] = [];
  const demoCitizens = await firstCitizens(db, sample ?? '', 5);
  // An empty database (SEED_CITIZENS=0) has nobody to sign in as: the tracker then waits for OIDC_ISSUER.
  const identityProvider =
    config.OIDC_ISSUER || demoCitizens.length === 0
      ? null
      : await startDemoIdentityProvider({
          citizens: demoCitizens,
          clientId: config.OIDC_CLIENT_ID,
          redirectUris: () => pagesOrigins.map((origin) => `${origin}/citizen/`),
          host: config.HOST,
          port: config.DEMO_IDP_PORT,
          log,
        });
  const served = identityProvider ? { ...config, OIDC_ISSUER: identityProvider.issuer } : config;
  const access = openAccessControl(served, log, db);
  const follower = followRegistry({ db, notifier, log, ...followerSettings(config) });
  const gateway = await startGateway({ supergraph: follower, config: served, log, access });
  const metrics = await startMetricsFor(config, log);

  const origin = new URL(gateway.url).origin;
  // The same pages under localhost, which a browser may be given instead of the loopback address.
  pagesOrigins = [origin, origin.replace('//127.0.0.1:', '//localhost:')];
  const demo = await ensureDemoCredentials(db, config, apiSchemaOf(live), sample ?? '001090000001');
  log.info(
    { url: gateway.url, version: live.version, subgraphs: Object.fromEntries(subgraphs.map(({ module, server }) => [module.name, server.url])) },
    'Once is ready',
  );
  const body = JSON.stringify({ query: SAMPLE_QUERY.replace(/\s+/g, ' '), variables: { id: demo.citizenId } });
  process.stdout.write(
    [
      '',
      `Once gateway: ${gateway.url} (supergraph version ${live.version})`,
      'A portal reads, for a procedure (here 1.900011, primary school enrolment), naming the officer and the case:',
      `  curl -s ${gateway.url} -H 'content-type: application/json' -H 'x-api-key: ${demo.portalApiKey}' \\`,
      `    -H 'x-once-officer: can-bo-01' -H 'x-once-purpose: 1.900011' -H 'x-once-case: HS-2026-0001' \\`,
      `    -d '${body}'`,
      `The citizen ${demo.citizenId} sees who read their data:`,
      `  curl -s ${gateway.url} -H 'content-type: application/json' -H 'authorization: Bearer ${demo.citizenToken}' \\`,
      `    -d '{"query":"{ myAccessHistory { events { at agency procedureName caseNumber fields } } }"}'`,
      'An auditor verifies the log:',
      `  curl -s ${gateway.url} -H 'content-type: application/json' -H 'x-api-key: ${demo.auditorApiKey}' \\`,
      `    -H 'x-once-officer: thanh-tra-01' -H 'x-once-purpose: AUDIT' -H 'x-once-case: TT-2026-01' \\`,
      `    -d '{"query":"{ verifyAuditLog { ok checked firstBroken { seq reason } } }"}'`,
      'An agency manages its subgraph through the registry (the demo agency, purpose REGISTRY):',
      `  ONCE_API_KEY=${demo.agencyApiKey} npm run registry -- list`,
      `These keys and the citizen token are kept in ${demoCredentialsFile(config)} (local signing keys: ${dirname(config.JWKS_FILE ?? defaultJwksFile(config))}).`,
      ...(config.DATABASE_URL
        ? []
        : [`The embedded database ${config.DATA_DIR}/pglite is this process's alone: stop it (Ctrl-C) before npm run once, or use DATABASE_URL.`]),
      'Pages:',
      served.OIDC_ISSUER
        ? `  ${origin}/citizen/  citizen's data tracker: sign in at ${served.OIDC_ISSUER}${identityProvider ? ` (demo identity provider) as ${String(demoCitizens[0]?.fullName)} (${String(demoCitizens[0]?.personalId)})` : ''}`
        : `  ${origin}/citizen/  citizen's data tracker: no sign-in, as the database has no citizens for a demo identity provider (seed it, or set OIDC_ISSUER)`,
      `  ${origin}/auditor/  auditor's console: API key ${demo.auditorApiKey}, officer thanh-tra-01, case TT-2026-01`,
      `  ${origin}/graphiql/ GraphiQL: the API key of a client made with --introspect and granted for purpose DEVELOPMENT`,
      '',
    ].join('\n'),
  );
  return async () => {
    await gateway.stop(config.SHUTDOWN_DRAIN_MS, config.SHUTDOWN_READY_DELAY_MS);
    await metrics?.stop();
    await identityProvider?.stop();
    await access.close();
    await Promise.all(subgraphs.map(({ server }) => server.stop(config.SHUTDOWN_DRAIN_MS, config.SHUTDOWN_READY_DELAY_MS)));
    await platform.close();
    await db.close();
  };
});
