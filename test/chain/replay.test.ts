// Replays of the byte-exact ElectrumX 1.20.0 transcripts: the client sends the very bytes the
// recording shows, and what it makes of each recorded reply is the reply's meaning.
import { afterEach, describe, expect, it } from 'vitest';
import { connectElectrum, type ElectrumClient } from '../../src/chain/electrum.ts';
import { ChainError, ServerError } from '../../src/chain/errors.ts';
import { parseServerUrl } from '../../src/chain/servers.ts';
import { loadTranscript, startReplay, type Exchange, type ReplayServer } from './replay.ts';

const open: Array<ReplayServer | ElectrumClient> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

const OWNER = '1b95aec922244f4af50e2b04a266c6955a42271246de38924a0ffc04abdc520d';
const NAME_INDEX = '1459811f851c4b4c0684a1789134a301b91279182a42f7831b6c0ddd966bffd8';
const TXID = '76c47d835f24549d33c52ca9817107ddf3fa8d4ffe88e4211c6f8d8da6ed5944';
const REGTEST_GENESIS = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';

async function replay(file: string, protocol: string | [string, string]): Promise<{ server: ReplayServer; client: ElectrumClient; exchanges: Exchange[] }> {
  const exchanges = loadTranscript(file);
  const server = await startReplay(exchanges);
  open.push(server);
  const client = await connectElectrum(parseServerUrl(server.url), { clientName: 'nmcddns-fixtures', protocol, pingIntervalMs: 0, requestTimeoutMs: 3000 });
  open.push(client);
  return { server, client, exchanges };
}

/** What a recorded reply line means: its result, or its error object. */
function meaning(received: string): { result?: unknown; error?: { code: number; message: string } } {
  const m = JSON.parse(received) as { result?: unknown; error?: { code: number; message: string } };
  return 'error' in m ? { error: m.error! } : { result: m.result };
}

/** Send every recorded request after server.version in order, through the client, and compare. */
async function replayAll(client: ElectrumClient, server: ReplayServer, exchanges: Exchange[], skip: (method: string) => boolean = () => false): Promise<number> {
  let checked = 0;
  for (const ex of exchanges.slice(1)) {
    const req = JSON.parse(ex.sent) as { method: string; params: unknown[] };
    if (skip(req.method)) continue;
    const want = meaning(ex.received[0]!);
    const got = await client.request(req.method, req.params).then(
      (result) => ({ result }),
      (e: unknown) => {
        if (!(e instanceof ServerError)) throw e;
        return { error: { code: e.rpcCode, message: e.rpcMessage } };
      },
    );
    expect(got, `${req.method} ${JSON.stringify(req.params)}`).toEqual(want);
    checked++;
  }
  // Every request the client sent was byte-identical to a recorded one.
  expect(server.unmatched).toEqual([]);
  return checked;
}

describe('ElectrumX 1.20.0 transcripts', () => {
  it('protocol 1.4.3: negotiation, typed methods, and every recorded request', async () => {
    const { client, server, exchanges } = await replay('electrum-1.4.3.jsonl', ['1.4', '1.4.3']);
    expect(client.serverSoftware).toBe('ElectrumX 1.20.0');
    expect(client.protocolVersion).toBe('1.4.3');
    // The typed methods over the same recorded bytes (each recording is used once, so this
    // runs on a second session).
    const typed = await connectElectrum(parseServerUrl((await startReplay(exchanges, { exactIds: false }).then((s) => (open.push(s), s))).url), {
      clientName: 'nmcddns-fixtures', protocol: ['1.4', '1.4.3'], pingIntervalMs: 0,
    });
    open.push(typed);
    const features = await typed.features();
    expect(features).toMatchObject({ genesisHash: REGTEST_GENESIS, protocolMin: '1.4', protocolMax: '1.6.0' });
    await typed.ping();
    const tip = await typed.tip();
    expect(tip.height).toBe(170);
    expect(tip.hex.length).toBe(2 * 294); // 80-byte header + AuxPoW
    expect(await typed.getHistory(OWNER)).toContainEqual({ txid: 'da8aca81cef822a2274abf7e5e2ae5f02cad8742d93edadc47b53b6be46daa28', height: 163 });
    const utxos = await typed.listUnspent(OWNER);
    expect(utxos).toContainEqual({ txid: '2d9dcaebe138f684a2c40c4ee22e29f398cb2eb43c6985e05ccd6d4392731db5', vout: 1, height: 164, value: 100000000 });
    expect(utxos.every((u) => u.height > 0)).toBe(true);
    expect(await typed.getMempool(OWNER)).toEqual([]);
    const nameHistory = await typed.getHistory(NAME_INDEX);
    expect(nameHistory.map((h) => h.height)).toEqual([163, 165, 170, 170]);
    expect(nameHistory.at(-1)!.txid).toBe(TXID);
    expect(await typed.listUnspent(NAME_INDEX)).toEqual([]); // the name index holds history only
    const hex = await typed.getTransaction(TXID);
    expect(hex.startsWith('00710000')).toBe(true); // version 0x7100
    expect(await typed.estimateFee(2)).toBe(0.001);
    expect(await typed.relayFee()).toBe(0.001);
    const noInfo = await typed.mempoolInfo().catch((e: unknown) => e);
    expect(noInfo).toBeInstanceOf(ServerError);
    expect((noInfo as ServerError).isUnknownMethod).toBe(true);

    // And the raw replies of every recorded request (errors included) on the first session.
    const checked = await replayAll(client, server, exchanges);
    expect(checked).toBe(exchanges.length - 1);
  });

  it('the recorded error replies become typed ServerErrors', async () => {
    const { client, server } = await replay('electrum-1.4.3.jsonl', ['1.4', '1.4.3']);
    const err = (p: Promise<unknown>): Promise<ServerError> => p.then(() => { throw new Error('expected an error'); }, (e: ServerError) => e);
    // Requests are byte-identical to the recording only if ids line up, so walk the
    // recorded order until the error section, then check the error replies by kind.
    const exchanges = loadTranscript('electrum-1.4.3.jsonl');
    const firstError = exchanges.findIndex((e) => e.sent.includes('blockchain.no_such_method'));
    for (const ex of exchanges.slice(1, firstError)) {
      const req = JSON.parse(ex.sent) as { method: string; params: unknown[] };
      await client.request(req.method, req.params).catch(() => undefined);
    }
    const unknown = await err(client.request('blockchain.no_such_method'));
    expect(unknown).toMatchObject({ rpcCode: -32601, rpcMessage: 'unknown method "blockchain.no_such_method"' });
    expect((await err(client.request('blockchain.scripthash.get_history', [12345]))).rpcMessage).toBe('12345 is not a valid script hash');
    expect((await err(client.request('blockchain.scripthash.get_history', ['zz']))).rpcCode).toBe(1);
    expect((await err(client.request('blockchain.block.header', ['abc']))).rpcMessage).toBe('abc should be a non-negative integer');
    expect((await err(client.request('blockchain.block.header', [270]))).rpcMessage).toBe('height 270 out of range');
    const daemon = await err(client.getTransaction('00'.repeat(32)));
    expect(daemon.rpcCode).toBe(2);
    expect(daemon.message).toContain('daemon error');
    expect((await err(client.request('blockchain.transaction.get_merkle', [TXID]))).rpcCode).toBe(-32602);
    expect((await err(client.request('blockchain.estimatefee'))).rpcCode).toBe(-32602);
    const again = await err(client.request('server.version', ['nmcddns-fixtures', ['1.4', '1.4.3']]));
    expect(again).toMatchObject({ rpcCode: 1, rpcMessage: 'server.version already sent' });
    expect(server.unmatched).toEqual([]);
  });

  it('protocol 1.6: the relay fee comes from mempool.get_info; blockchain.relayfee is gone', async () => {
    const { client, server, exchanges } = await replay('electrum-1.6.jsonl', ['1.4', '1.6']);
    expect(client.protocolVersion).toBe('1.6');
    // relayFee() must pick mempool.get_info at 1.6; run everything before it, then it.
    const at = exchanges.findIndex((e) => e.sent.includes('"mempool.get_info"'));
    for (const ex of exchanges.slice(1, at)) {
      const req = JSON.parse(ex.sent) as { method: string; params: unknown[] };
      await client.request(req.method, req.params);
    }
    expect(await client.relayFee()).toBe(0.001);
    const gone = await client.request('blockchain.relayfee').catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ServerError);
    expect((gone as ServerError).rpcMessage).toBe('unknown method "blockchain.relayfee"');
    expect(server.unmatched).toEqual([]);
  });

  it('protocol 1.6: every recorded request yields the recorded meaning', async () => {
    const { client, server, exchanges } = await replay('electrum-1.6.jsonl', ['1.4', '1.6']);
    expect(await replayAll(client, server, exchanges)).toBe(exchanges.length - 1);
  });

  it('protocol 1.4.1 (single string, as Electrum-NMC sends it)', async () => {
    const { client, server, exchanges } = await replay('electrum-1.4.1-single-string.jsonl', '1.4.1');
    expect(client.protocolVersion).toBe('1.4.1');
    expect(await replayAll(client, server, exchanges)).toBe(3);
  });

  it('a server that demands server.version first: its recorded answer is a clear protocol error', async () => {
    // The recording answered a first request other than server.version with two junk
    // notifications, error code 1 and a hang-up. Serve exactly those bytes to our
    // server.version (id 1 in both) and check the client reports it and does not crash.
    const [ex] = loadTranscript('electrum-no-server-version-first.jsonl');
    const server = await startReplay([], { override: () => ex!.received });
    open.push(server);
    const e = await connectElectrum(parseServerUrl(server.url), { pingIntervalMs: 0 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChainError);
    expect((e as ChainError).code).toBe('protocol');
    expect((e as ChainError).message).toContain('refused server.version: use server.version to identify client (code 1)');
  });

  it('invalid JSON: an error with id null ends the session; a stray batch answer is ignored', async () => {
    const exchanges = loadTranscript('electrum-invalid-json.jsonl');
    const invalid = exchanges.find((e) => e.received[0]?.includes('"id":null'))!;
    const batch = exchanges.find((e) => e.sent.startsWith('['))!;
    const ping2 = exchanges.find((e) => e.sent === '{"jsonrpc":"2.0","method":"server.ping","id":2,"params":[]}')!;
    // Session A: the ping is answered with the batch reply for ids 100/101 (not ours) and then its own recorded reply.
    const a = await startReplay(exchanges, { override: (line) => (line === ping2.sent ? [...batch.received, ...ping2.received] : undefined) });
    open.push(a);
    const ca = await connectElectrum(parseServerUrl(a.url), { clientName: 'nmcddns-fixtures', protocol: ['1.4', '1.4.3'], pingIntervalMs: 0 });
    open.push(ca);
    await ca.ping();
    expect(ca.isClosed).toBe(false);
    // Session B: the ping is answered with the recorded -32700 "invalid JSON" (id null).
    const b = await startReplay(exchanges, { override: (line) => (line === ping2.sent ? invalid.received : undefined) });
    open.push(b);
    const cb = await connectElectrum(parseServerUrl(b.url), { clientName: 'nmcddns-fixtures', protocol: ['1.4', '1.4.3'], pingIntervalMs: 0 });
    open.push(cb);
    const e = await cb.ping().catch((x: unknown) => x);
    expect((e as ChainError).code).toBe('protocol');
    expect((e as ChainError).message).toContain('could not parse a request: invalid JSON (code -32700)');
    expect(cb.isClosed).toBe(true);
  });
});
