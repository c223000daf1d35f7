// NAT-PMP client (RFC 6886; byte layouts as miniupnpd implements them, reference §6.7).
// Requests go unicast to the default gateway, UDP 5351:
//   external address: 00 00                                 → 12 bytes: 00 80 result:u16 epoch:u32 addr:4
//   map:  00 op(1 UDP, 2 TCP) 00 00 internal:u16 external:u16 lifetime:u32
//                                                            → 16 bytes: 00 op+128 result:u16 epoch:u32 internal:u16 external:u16 lifetime:u32
// Retransmit: 250 ms, doubling, until the caller's deadline.
import { createSocket } from 'node:dgram';

export const NATPMP_PORT = 5351;

export const NATPMP_RESULTS: Record<number, string> = {
  0: 'success',
  1: 'unsupported version',
  2: 'not authorized / refused',
  3: 'network failure (the gateway has no public address)',
  4: 'out of resources',
  5: 'unsupported opcode',
};

export function encodeExternalAddressRequest(): Uint8Array {
  return new Uint8Array([0, 0]);
}

export function encodeMappingRequest(proto: 'tcp' | 'udp', internalPort: number, suggestedExternalPort: number, lifetime: number): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  b[1] = proto === 'udp' ? 1 : 2;
  v.setUint16(4, internalPort);
  v.setUint16(6, suggestedExternalPort);
  v.setUint32(8, lifetime);
  return b;
}

export type NatPmpResponse =
  | { op: 128; resultCode: number; epoch: number; externalAddress: string }
  | { op: 129 | 130; resultCode: number; epoch: number; internalPort: number; externalPort: number; lifetime: number };

/** Decode a NAT-PMP response; throws naming what is wrong with the packet. */
export function decodeNatPmpResponse(b: Uint8Array): NatPmpResponse {
  if (b.length < 8) throw new Error(`NAT-PMP: answer of ${b.length} bytes is too short`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b[0] !== 0) throw new Error(`NAT-PMP: answer has version ${b[0]}, expected 0 (a PCP-only gateway?)`);
  const op = b[1] as number;
  const resultCode = v.getUint16(2);
  const epoch = v.getUint32(4);
  if (op === 128) {
    if (b.length < 12) throw new Error(`NAT-PMP: external-address answer of ${b.length} bytes, expected 12`);
    return { op, resultCode, epoch, externalAddress: `${b[8]}.${b[9]}.${b[10]}.${b[11]}` };
  }
  if (op === 129 || op === 130) {
    if (b.length < 16) throw new Error(`NAT-PMP: mapping answer of ${b.length} bytes, expected 16`);
    return { op, resultCode, epoch, internalPort: v.getUint16(8), externalPort: v.getUint16(10), lifetime: v.getUint32(12) };
  }
  throw new Error(`NAT-PMP: unexpected opcode ${op} in answer`);
}

export interface NatPmpOptions {
  timeoutMs: number;
  /** Tests use another port; default 5351. */
  port?: number;
}

/** Send `req` to the gateway until an answer with opcode `expectOp` comes back from it. */
export async function natpmpExchange(gateway: string, req: Uint8Array, expectOp: number, o: NatPmpOptions): Promise<NatPmpResponse> {
  const port = o.port ?? NATPMP_PORT;
  const sock = createSocket('udp4');
  try {
    return await new Promise<NatPmpResponse>((resolve, reject) => {
      let wait = 250;
      let timer: NodeJS.Timeout | undefined;
      const deadline = setTimeout(() => {
        clearTimeout(timer);
        reject(new Error(`NAT-PMP: no answer from ${gateway}:${port} within ${o.timeoutMs} ms`));
      }, o.timeoutMs);
      // Send errors (no route yet, ICMP unreachable) are transient for a retransmitting client:
      // the deadline decides.
      sock.on('error', () => {});
      sock.on('message', (msg, rinfo) => {
        if (rinfo.address !== gateway) return; // RFC 6886 §3.1: only the gateway's answer counts
        try {
          const r = decodeNatPmpResponse(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
          if (r.op !== expectOp) return;
          clearTimeout(deadline);
          clearTimeout(timer);
          resolve(r);
        } catch (e) {
          clearTimeout(deadline);
          clearTimeout(timer);
          reject(e);
        }
      });
      const send = () => {
        sock.send(req, port, gateway, () => {});
        timer = setTimeout(send, wait);
        wait *= 2;
      };
      send();
    });
  } finally {
    sock.close();
  }
}

export async function natpmpExternalAddress(gateway: string, o: NatPmpOptions): Promise<{ resultCode: number; externalAddress: string; epoch: number }> {
  const r = await natpmpExchange(gateway, encodeExternalAddressRequest(), 128, o);
  if (r.op !== 128) throw new Error('NAT-PMP: unreachable');
  return { resultCode: r.resultCode, externalAddress: r.externalAddress, epoch: r.epoch };
}

export async function natpmpMap(
  gateway: string,
  proto: 'tcp' | 'udp',
  internalPort: number,
  suggestedExternalPort: number,
  lifetime: number,
  o: NatPmpOptions,
): Promise<{ resultCode: number; internalPort: number; externalPort: number; lifetime: number }> {
  const r = await natpmpExchange(gateway, encodeMappingRequest(proto, internalPort, suggestedExternalPort, lifetime), proto === 'udp' ? 129 : 130, o);
  if (r.op === 128) throw new Error('NAT-PMP: unreachable');
  return { resultCode: r.resultCode, internalPort: r.internalPort, externalPort: r.externalPort, lifetime: r.lifetime };
}
