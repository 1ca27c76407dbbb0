import net from 'node:net';

/**
 * Loaded in the tiers that declare no server (vitest.config.ts): a TCP connection fails at once, with a message that
 * says where such a test belongs, so that no server-bound test slips into a tier meant to run anywhere. Unix sockets
 * (tsx's IPC) are left alone.
 */
// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the socket as `this`
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  // net.connect() hands on its arguments normalised, as one array.
  const [first, second] = Array.isArray(args[0]) ? args[0] : args;
  const unixSocket =
    (typeof first === 'string' && Number.isNaN(Number(first))) ||
    (typeof first === 'object' && first !== null && typeof (first as { path?: unknown }).path === 'string');
  if (unixSocket) return (connect as (...connectArgs: unknown[]) => net.Socket).apply(this, args);
  const { host, port } =
    typeof first === 'object' && first !== null ? (first as net.TcpNetConnectOpts) : { host: typeof second === 'string' ? second : undefined, port: first };
  const target = `${host ?? 'localhost'}:${String(port)}`;
  process.nextTick(() =>
    this.destroy(
      new Error(`a test in a tier that declares no server tried to connect to ${target}: move it to a tier that declares what it needs (vitest.config.ts)`),
    ),
  );
  return this;
};
