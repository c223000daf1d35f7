// Small real servers on 127.0.0.1 for the client tests: a scriptable line server (TCP or TLS,
// with a throwaway self-signed certificate from the simulator's makeSelfSignedCert).
import { createServer as netServer, type Server, type Socket } from 'node:net';
import { createServer as tlsServer } from 'node:tls';
import type { SimCert } from '../sim/certs.ts';

export interface LineServerOptions {
  tls?: SimCert;
  /** Called for each complete line a client sends. */
  onLine?: (line: string, socket: Socket) => void;
  /** Called when a client connects (before any line). */
  onConnect?: (socket: Socket) => void;
}

export interface LineServer {
  port: number;
  url: string;
  connections: number;
  lines: string[];
  close(): Promise<void>;
}

export async function startLineServer(options: LineServerOptions): Promise<LineServer> {
  const sockets = new Set<Socket>();
  const state: LineServer = { port: 0, url: '', connections: 0, lines: [], close: async () => undefined };
  const handle = (socket: Socket): void => {
    sockets.add(socket);
    state.connections++;
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      buf += d;
      for (;;) {
        const nl = buf.indexOf('\n');
        if (nl < 0) break;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        state.lines.push(line);
        options.onLine?.(line, socket);
      }
    });
    options.onConnect?.(socket);
  };
  const server: Server = options.tls
    ? tlsServer({ key: options.tls.keyPem, cert: options.tls.certPem }, handle)
    : netServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  state.port = typeof addr === 'object' && addr ? addr.port : 0;
  state.url = `${options.tls ? 'tls' : 'tcp'}://127.0.0.1:${state.port}`;
  state.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

/** A minimal well-behaved Electrum server: answers server.version and whatever `methods` knows. */
export function electrumHandler(methods: Record<string, (params: unknown[]) => unknown>, negotiated = '1.4.2') {
  return (line: string, socket: Socket): void => {
    const req = JSON.parse(line) as { id: number; method: string; params: unknown[] };
    const reply = (body: object): void => {
      socket.write(`${JSON.stringify({ jsonrpc: '2.0', ...body, id: req.id })}\n`);
    };
    if (req.method === 'server.version') return reply({ result: ['ElectrumX 1.16.0', negotiated] });
    if (req.method === 'server.ping') return reply({ result: null });
    const m = methods[req.method];
    if (!m) return reply({ error: { code: -32601, message: `unknown method "${req.method}"` } });
    try {
      reply({ result: m(req.params) });
    } catch (e) {
      reply({ error: { code: 1, message: (e as Error).message } });
    }
  };
}

/** A port on loopback nobody listens on (bound, then closed). */
export async function deadPort(): Promise<number> {
  const s = netServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const addr = s.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
