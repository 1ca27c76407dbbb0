/** Who is asking. Lifecycle of a request's identity, decided once at the edge. */
export type ClientRole = 'PORTAL' | 'AGENCY' | 'AUDITOR' | 'ADMIN';

export interface ClientRecord {
  clientId: string;
  name: string;
  role: ClientRole;
  mayIntrospect: boolean;
  /** Runs only operations registered for it in advance (trusted documents), by their SHA-256. */
  trustedDocumentsOnly: boolean;
  /** Requests per minute; null: the configured default; 0: none. */
  rateLimitPerMinute: number | null;
  disabled: boolean;
}

export type Principal =
  | { kind: 'client'; client: ClientRecord; /** The API key it authenticated with; absent with a JWT. */ keyId?: string }
  | { kind: 'citizen'; personalId: string }
  /** Only when access control is switched off (benchmarks of the bare gateway). */
  | { kind: 'anonymous' };

/** What a client request is for (X-Road's user id and issue): the officer, the procedure and the case. */
export interface Purpose {
  officer: string;
  /** A code of access.purposes: a catalogue procedure, AUDIT or DEVELOPMENT. */
  code: string;
  caseNumber: string;
}

export function principalLabel(principal: Principal): string {
  switch (principal.kind) {
    case 'client':
      return `client:${principal.client.clientId}`;
    case 'citizen':
      return `citizen:${principal.personalId}`;
    case 'anonymous':
      return 'anonymous';
  }
}
