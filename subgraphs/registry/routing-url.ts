import { BlockList, isIP } from 'node:net';
import { GraphQLError, parse } from 'graphql';
import { ErrorCode, signRequest } from '../../platform';
import { definedFields } from './composition-job';

/** Why a routing URL does not serve the SDL being checked. Fixed words: nothing the URL returned is ever echoed. */
export const PROBE_PROBLEMS = {
  refused: 'refused: nothing at the routing URL accepted the connection',
  timedOut: 'timed out: the routing URL did not answer within SUBGRAPH_TIMEOUT_MS',
  notGraphQL: 'not GraphQL: the routing URL did not answer `{ _service { sdl } }` as a subgraph does',
  sdlDiffers: 'SDL differs: the routing URL serves another schema than the SDL being checked',
} as const;

export type ProbeProblem = (typeof PROBE_PROBLEMS)[keyof typeof PROBE_PROBLEMS];

/** Matches routing-URL hosts against REGISTRY_ALLOWED_HOSTS entries: host names exactly, IP literals by address or CIDR. */
export function hostAllowList(entries: readonly string[]): (host: string) => boolean {
  const names = new Set<string>();
  const addresses = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0) names.add(entry.toLowerCase());
    else if (prefix === undefined) addresses.addAddress(address, family === 6 ? 'ipv6' : 'ipv4');
    else addresses.addSubnet(address, Number(prefix), family === 6 ? 'ipv6' : 'ipv4');
  }
  return (host) => {
    const family = isIP(host);
    return family === 0 ? names.has(host.toLowerCase()) : addresses.check(host, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** Why a routing URL is not allowed (not http(s), with credentials, or to a host off REGISTRY_ALLOWED_HOSTS); null if it is. */
export function routingUrlProblem(url: string, allowed: (host: string) => boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'The routing URL is not a URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `The routing URL must be http or https, not ${parsed.protocol.replace(/:$/, '')}`;
  if (parsed.username || parsed.password) return 'The routing URL must not carry credentials';
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!allowed(host)) return `The routing URL's host ${host} is not on REGISTRY_ALLOWED_HOSTS`;
  return null;
}

/** The routing URL, if it is http(s) without credentials to an allowed host; otherwise ROUTING_URL_NOT_ALLOWED. */
export function assertRoutingUrl(url: string, allowed: (host: string) => boolean): URL {
  const problem = routingUrlProblem(url, allowed);
  if (problem) throw new GraphQLError(problem, { extensions: { code: ErrorCode.RoutingUrlNotAllowed, argument: 'url' } });
  return new URL(url);
}

/** Reads at most `maxBytes` of a body, or null when it is longer. */
async function readCapped(response: Response, maxBytes: number): Promise<string | null> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function servedSdl(text: string | null): string | null {
  if (text === null) return null;
  try {
    const result = JSON.parse(text) as { data?: { _service?: { sdl?: unknown } } };
    return typeof result.data?._service?.sdl === 'string' ? result.data._service.sdl : null;
  } catch {
    return null;
  }
}

/**
 * Asks the subgraph at `url`, signed with that subgraph's own secret (none when it has none yet), for its SDL, and
 * compares the fields it defines with `expected`. Redirects are not followed (a redirect is not GraphQL).
 */
export async function probeProblem(options: {
  url: string;
  secret: string | undefined;
  expected: readonly string[];
  timeoutMs: number;
  maxBytes: number;
}): Promise<ProbeProblem | null> {
  const body = JSON.stringify({ query: '{ _service { sdl } }' });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-once-principal': 'system:registry' };
  if (options.secret) signRequest(options.secret, headers, body);
  let text: string | null;
  try {
    const response = await fetch(options.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
    if (response.status !== 200) {
      await response.body?.cancel();
      return PROBE_PROBLEMS.notGraphQL;
    }
    text = await readCapped(response, options.maxBytes);
  } catch (error) {
    return error instanceof Error && error.name === 'TimeoutError' ? PROBE_PROBLEMS.timedOut : PROBE_PROBLEMS.refused;
  }
  const sdl = servedSdl(text);
  if (sdl === null) return PROBE_PROBLEMS.notGraphQL;
  let served: Set<string>;
  try {
    served = new Set(definedFields(parse(sdl, { maxTokens: 200_000 })));
  } catch {
    return PROBE_PROBLEMS.notGraphQL;
  }
  // What federation adds to every subgraph (_service, _entities, link__Purpose, ...) is not the agency's schema.
  const federationAdded = (field: string) => /^(_|link__|federation__|join__)/.test(field) || field.startsWith('Query._');
  const expected = new Set(options.expected);
  const same = options.expected.every((field) => served.has(field)) && [...served].every((field) => expected.has(field) || federationAdded(field));
  return same ? null : PROBE_PROBLEMS.sdlDiffers;
}
