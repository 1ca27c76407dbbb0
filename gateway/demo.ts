import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../subgraphs/common/config';
import type { Database } from '../subgraphs/common/database';
import { createClient, grant, issueApiKey, listClients } from './access/admin';
import { reachableCoordinates } from './access/coordinates';
import { issueToken, readPrivateKey } from './access/tokens';
import { defaultJwksFile } from './access-control';

/** What `npm start` prints so that a newcomer can query at once. Development only: kept in DATA_DIR. */
export interface DemoCredentials {
  portalApiKey: string;
  auditorApiKey: string;
  /** An agency client granted the registry (purpose REGISTRY), for `npm run registry`. */
  agencyApiKey: string;
  citizenToken: string;
  citizenId: string;
}

/** Sensitive fields the demo portal is not granted, to show default deny. */
const WITHHELD = new Set(['Citizen.phone', 'Citizen.email', 'Citizen.religion', 'Citizen.ethnicity', 'Citizen.bloodType', 'Citizen.oldIdNumber']);
const ENROLMENT = '1.900011';
const REGISTRY_ROOTS = ['Query.subgraphs', 'Query.supergraphHistory', 'Query.checkSubgraph', 'Mutation.registerSubgraph', 'Mutation.publishSubgraph', 'Mutation.rollbackSubgraph', 'Mutation.removeSubgraph'];

/**
 * On first start (local signing keys already made): a demo portal (granted, for primary school enrolment, what the README's queries read, but not
 * phone, e-mail, religion, ethnicity or blood type), a demo auditor, local JWT keys and a citizen token.
 */
export async function ensureDemoCredentials(db: Database, config: Config, schema: GraphQLSchema, citizenId: string): Promise<DemoCredentials> {
  const file = join(config.DATA_DIR, 'demo-credentials.json');
  const clients = new Set((await listClients(db)).map((client) => client.clientId));
  if (existsSync(file) && clients.has('demo-portal') && clients.has('demo-agency')) return JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials;

  if (!clients.has('demo-portal')) {
    await createClient(db, { clientId: 'demo-portal', name: 'Cổng dịch vụ công (demo)', role: 'PORTAL' });
    await grant(db, {
      clientId: 'demo-portal',
      purpose: ENROLMENT,
      coordinates: reachableCoordinates(schema, ['Query.citizen', 'Query.citizens', 'Query.residenceConfirmation', 'Query.procedures'], WITHHELD),
      legalBasis: 'Demo grant: primary school enrolment checks the child’s birth and residence (once-only principle)',
    });
  }
  if (!clients.has('demo-auditor')) {
    await createClient(db, { clientId: 'demo-auditor', name: 'Thanh tra (demo)', role: 'AUDITOR' });
    await grant(db, {
      clientId: 'demo-auditor',
      purpose: 'AUDIT',
      coordinates: reachableCoordinates(schema, ['Query.auditRecords', 'Query.verifyAuditLog']),
      legalBasis: 'Demo grant: review of the access log',
    });
  }
  if (!clients.has('demo-agency')) {
    await createClient(db, { clientId: 'demo-agency', name: 'Bảo hiểm xã hội (demo)', role: 'AGENCY' });
    await grant(db, {
      clientId: 'demo-agency',
      purpose: 'REGISTRY',
      coordinates: reachableCoordinates(schema, REGISTRY_ROOTS),
      legalBasis: 'Demo grant: an agency manages its own subgraph',
    });
  }
  const privateFile = join(dirname(config.JWKS_FILE ?? defaultJwksFile(config)), 'private.jwk.json');
  const credentials: DemoCredentials = {
    portalApiKey: (await issueApiKey(db, 'demo-portal')).apiKey,
    auditorApiKey: (await issueApiKey(db, 'demo-auditor')).apiKey,
    agencyApiKey: (await issueApiKey(db, 'demo-agency')).apiKey,
    citizenToken: await issueToken(readPrivateKey(privateFile), {
      kind: 'citizen',
      subject: citizenId,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ttlSeconds: 30 * 24 * 3600,
    }),
    citizenId,
  };
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}
