import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Gateway-to-subgraph request signing: HMAC-SHA256, with the subgraph's own secret, over the timestamp, the
 * forwarded identity headers and the exact body. A subgraph serves only requests signed this way, so nothing
 * reaches agency data without passing the gateway's authentication, policy and audit.
 */
export const SIGNATURE_HEADER = 'x-once-signature';
export const TIMESTAMP_HEADER = 'x-once-timestamp';

/** Headers the gateway forwards and signs: who asks, for what, in which case. */
export const FORWARDED_HEADERS = ['x-request-id', 'x-once-principal', 'x-once-officer', 'x-once-purpose', 'x-once-case'] as const;
export type ForwardedHeader = (typeof FORWARDED_HEADERS)[number];

type HeaderSource = (name: string) => string | undefined;

function canonical(timestamp: string, header: HeaderSource, body: string): string {
  return ['v1', timestamp, ...FORWARDED_HEADERS.map((name) => header(name) ?? ''), body].join('\n');
}

/** Adds the timestamp and signature headers to a request whose other headers are final. */
export function signRequest(secret: string, headers: Record<string, string>, body: string): void {
  const timestamp = String(Date.now());
  headers[TIMESTAMP_HEADER] = timestamp;
  headers[SIGNATURE_HEADER] = sign(secret, timestamp, (name) => headers[name], body);
}

function sign(secret: string, timestamp: string, header: HeaderSource, body: string): string {
  return `v1=${createHmac('sha256', secret)
    .update(canonical(timestamp, header, body))
    .digest('hex')}`;
}

/** Why a request is not validly signed, or null when it is. */
export function signatureProblem(options: { secret: string; header: HeaderSource; body: string; now: number; maxSkewMs: number }): string | null {
  const timestamp = options.header(TIMESTAMP_HEADER);
  const given = options.header(SIGNATURE_HEADER);
  if (!timestamp || !given) return `missing ${!timestamp ? TIMESTAMP_HEADER : SIGNATURE_HEADER} header: only the gateway may call a subgraph`;
  const age = Math.abs(options.now - Number(timestamp));
  if (!Number.isFinite(age) || age > options.maxSkewMs) return `${TIMESTAMP_HEADER} is outside the accepted window of ${options.maxSkewMs} ms`;
  const expected = Buffer.from(sign(options.secret, timestamp, options.header, options.body));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return 'signature does not match the request';
  return null;
}
