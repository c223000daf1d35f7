// Small real servers on 127.0.0.1 for the client tests: a scriptable line server (TCP or TLS)
// and throwaway self-signed certificates made by the openssl CLI.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as netServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as tlsServer } from 'node:tls';

export interface TestCert {
  key: string;
  cert: string;
  /** sha256 of the DER certificate, lowercase hex. */
  fingerprint: string;
}

export function makeCert(cn = 'localhost'): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'nmcddns-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', `/CN=${cn}`,
    ], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const der = new X509Certificate(cert).raw;
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert, fingerprint: createHash('sha256').update(der).digest('hex') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface LineServerOptions {
  tls?: TestCert;
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
    ? tlsServer({ key: options.tls.key, cert: options.tls.cert }, handle)
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
