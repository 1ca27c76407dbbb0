import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy of our own in front of a shared server (PostgreSQL, Redis, a subgraph), so that a fault test or benchmark can
 * cut it without stopping it: the shared servers serve other test runs too.
 */
export interface TcpProxy {
  readonly port: number;
  /** Connections clients have opened to the proxy so far. */
  readonly connections: number;
  /** `url` with its host and port replaced by the proxy's. */
  through(url: string): string;
  /**
   * `reset`: open connections are destroyed and new ones reset at once (a crashed server, a restart);
   * `blackhole`: new connections are accepted and never answered (a hung server, a partition).
   */
  cut(mode?: 'reset' | 'blackhole'): void;
  restore(): void;
  /** Every byte from the server to the client waits this long (a slow subgraph: requests stay in flight). */
  delay(ms: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let state: 'open' | 'reset' | 'blackhole' = 'open';
  let delayMs = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A cut connection errors on both sides; that is the point, not a failure of the proxy.
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    connections += 1;
    track(client);
    if (state === 'reset') return void client.resetAndDestroy();
    if (state === 'blackhole') return;
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (delayMs === 0) return void client.write(chunk);
      setTimeout(() => client.writable && client.write(chunk), delayMs);
    });
    upstream.on('end', () => setTimeout(() => client.end(), delayMs));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => setTimeout(() => client.destroy(), delayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    get connections() {
      return connections;
    },
    through(url) {
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(port);
      return proxied.toString();
    },
    cut(mode = 'reset') {
      state = mode;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    restore() {
      state = 'open';
    },
    delay(ms) {
      delayMs = ms;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
