import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import type { Database } from '../platform';
import { createClient, grant, issueApiKey, listClients } from './access/admin';
import { reachableCoordinates } from './access/coordinates';
import { issueToken, readPrivateKey } from './access/tokens';
import { defaultJwksFile } from './access/access-control';
import type { GatewayConfig } from './config';

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

/** The demo clients: who they are, for which purpose, and the root fields whose reach they are granted. */
const DEMO_CLIENTS = [
  {
    clientId: 'demo-portal',
    name: 'Cổng dịch vụ công (demo)',
    role: 'PORTAL',
    purpose: '1.900011',
    roots: ['Query.citizen', 'Query.citizens', 'Query.residenceConfirmation', 'Query.procedures'],
    legalBasis: 'Demo grant: primary school enrolment checks the child’s birth and residence (once-only principle)',
  },
  {
    clientId: 'demo-auditor',
    name: 'Thanh tra (demo)',
    role: 'AUDITOR',
    purpose: 'AUDIT',
    roots: ['Query.auditRecords', 'Query.verifyAuditLog', 'Query.complaints', 'Mutation.noteComplaint', 'Mutation.closeComplaint'],
    legalBasis: 'Demo grant: review of the access log',
  },
  {
    clientId: 'demo-agency',
    name: 'Bảo hiểm xã hội (demo)',
    role: 'AGENCY',
    purpose: 'REGISTRY',
    roots: [
      'Query.subgraphs',
      'Query.supergraphHistory',
      'Query.checkSubgraph',
      'Query.gatewayReplicas',
      'Mutation.registerSubgraph',
      'Mutation.rotateSubgraphSecret',
      'Mutation.publishSubgraph',
      'Mutation.rollbackSubgraph',
      'Mutation.removeSubgraph',
      // Data flows: an agency requests approvals and consents for its own data; administrators approve and revoke.
      'Query.dataFlowApprovals',
      'Query.liveDataFlows',
      'Mutation.requestDataFlows',
      'Mutation.consentDataFlow',
    ],
    legalBasis: 'Demo grant: an agency manages its own subgraph',
  },
] as const;

/**
 * On first start (local signing keys already made): a demo portal (granted, for primary school enrolment, what the
 * README's queries read, but not phone, e-mail, religion, ethnicity or blood type), a demo auditor, a demo agency for
 * the registry, and a citizen token.
 */
/** Where `npm start` keeps the demo credentials (mode 600). */
export function demoCredentialsFile(config: Pick<GatewayConfig, 'DATA_DIR'>): string {
  return join(config.DATA_DIR, 'demo-credentials.json');
}

export async function ensureDemoCredentials(db: Database, config: GatewayConfig, schema: GraphQLSchema, citizenId: string): Promise<DemoCredentials> {
  const file = demoCredentialsFile(config);
  const clients = new Set((await listClients(db)).map((client) => client.clientId));
  if (existsSync(file) && DEMO_CLIENTS.every(({ clientId }) => clients.has(clientId))) return JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials;

  for (const { clientId, name, role, purpose, roots, legalBasis } of DEMO_CLIENTS) {
    if (clients.has(clientId)) continue;
    await createClient(db, { clientId, name, role });
    await grant(db, { clientId, purpose, coordinates: reachableCoordinates(schema, roots, WITHHELD), legalBasis });
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
