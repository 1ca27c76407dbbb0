import { createConnection } from 'node:net';

/** The path HAProxy checks every gateway replica on: 200 only while the replica is ready and not stopping. */
export const READINESS_PATH = '/health';

export interface HaproxyOptions {
  /** Where the balancer listens (loopback). */
  port: number;
  /** One server slot per replica port; a slot whose replica is not running is simply down. */
  replicaPorts: readonly number[];
  /** The admin socket `serverStats` reads. */
  statsSocket: string;
}

/**
 * The balancer in front of the gateway replicas. A replica that stops (SIGTERM) answers 503 on its readiness path and
 * refuses new connections; requests caught in between are sent again to another replica: connection failures, an
 * empty response from a connection the replica closed, and 503s, which Once sends only before a request reaches the
 * GraphQL pipeline (stopping, overloaded), so a retried request has not been executed or audited. Timeouts are not
 * retried: the slow request may have run.
 */
export function haproxyConfig(options: HaproxyOptions): string {
  return [
    'global',
    '  maxconn 2000',
    `  stats socket ${options.statsSocket} mode 600 level admin`,
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-request 10s',
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response 503',
    '',
    'frontend once',
    `  bind 127.0.0.1:${options.port}`,
    '  default_backend gateways',
    '',
    'backend gateways',
    '  balance roundrobin',
    `  option httpchk GET ${READINESS_PATH}`,
    '  http-check expect status 200',
    '  default-server inter 500ms fastinter 250ms downinter 500ms fall 1 rise 2',
    ...options.replicaPorts.map((port, index) => `  server ${replicaSlot(index)} 127.0.0.1:${port} check`),
    '',
  ].join('\n');
}

export function replicaSlot(index: number): string {
  return `gateway-${index + 1}`;
}

/** Per server of the `gateways` backend: its state (UP, DOWN, MAINT...) and how many requests it was given. */
export async function serverStats(statsSocket: string): Promise<Map<string, { status: string; sessions: number }>> {
  const csv = await new Promise<string>((resolve, reject) => {
    const socket = createConnection(statsSocket);
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.end('show stat\n');
  });
  const [header = '', ...rows] = csv.replace(/^# /, '').trim().split('\n');
  const columns = header.split(',');
  const column = (name: string) => columns.indexOf(name);
  const stats = new Map<string, { status: string; sessions: number }>();
  for (const row of rows) {
    const cells = row.split(',');
    if (cells[column('pxname')] !== 'gateways' || ['FRONTEND', 'BACKEND'].includes(cells[column('svname')] ?? '')) continue;
    stats.set(cells[column('svname')] ?? '', { status: cells[column('status')] ?? '', sessions: Number(cells[column('stot')] ?? 0) });
  }
  return stats;
}
