// Protocol details of the simulated ElectrumX that the recordings do not cover line by line:
// Python float/JSON output, padding, version negotiation, argument errors, the headers bug
// switched off, cp_height proofs that fold to their root, batches and notifications in a batch.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { padMessage } from '../sim/framing.ts';
import { branchAndRoot, dsha256 } from '../sim/merkle.ts';
import { pyFloatRepr, pyJson, pyFloat, pyRepr } from '../sim/pyjson.ts';
import { negotiateProtocol, protocolTuple, versionString } from '../sim/rpc.ts';
import { formatMoney } from '../sim/policy.ts';
import { SimChain, startSimulator, type Simulator } from '../sim/index.ts';
import { LineClient } from './replay.ts';

describe('Python-compatible output', () => {
  test.each([
    [0.001, '0.001'],
    [1e-6, '1e-06'],
    [0.00001, '1e-05'],
    [0.0001, '0.0001'],
    [1, '1.0'],
    [0.99952, '0.99952'],
    [49.989406, '49.989406'],
    [1e16, '1e+16'],
    [123456789012345.6, '123456789012345.6'],
    [-0.5, '-0.5'],
  ])('repr(%d) = %s', (x, s) => expect(pyFloatRepr(x)).toBe(s));

  test('json.dumps: compact, ensure_ascii, floats as Python writes them', () => {
    expect(pyJson({ a: [1, pyFloat(1), 'é\n"'], b: null })).toBe('{"a":[1,1.0,"\\u00e9\\n\\""],"b":null}');
    expect(pyRepr(['1.0', 2, null])).toBe("['1.0', 2, None]");
  });

  test('padding: message + newline is a power of two, at least 1024, spaces before the last char', () => {
    expect(padMessage('{"a":1}')).toBe('{"a":1' + ' '.repeat(1024 - 8) + '}\n');
    const big = '[' + 'x'.repeat(1500) + ']';
    expect(padMessage(big).length).toBe(2048);
    expect(padMessage(big, false)).toBe(big + '\n');
  });

  test('FormatMoney', () => {
    expect(formatMoney(0)).toBe('0.00');
    expect(formatMoney(24)).toBe('0.00000024');
    expect(formatMoney(100_000_000)).toBe('1.00');
    expect(formatMoney(150_000_000)).toBe('1.50');
  });
});

describe('version negotiation (util.protocol_version)', () => {
  const min = protocolTuple('1.4');
  const max = protocolTuple('1.6.0');
  test.each([
    [['1.4', '1.4.3'], '1.4.3'],
    [['1.4', '1.6'], '1.6'],
    ['1.4.1', '1.4.1'],
    [['1.4', '1.7'], '1.6.0'],
    [null, '1.4'],
    [['1.0', '1.2'], null],
    ['2.0', null],
    ['garbage', null],
  ] as [unknown, string | null][])('%j -> %s', (req, want) => {
    const t = negotiateProtocol(req, min, max);
    expect(t === null ? null : versionString(t)).toBe(want);
  });
});

let sim: Simulator;
let chain: SimChain;
beforeAll(async () => {
  chain = new SimChain({ startHeight: 40 });
  sim = await startSimulator({ chain, headersBug: false });
});
afterAll(async () => {
  await sim.close();
});

async function ask(lines: string[], protocol: unknown = ['1.4', '1.4.3']): Promise<unknown[]> {
  const c = await LineClient.open(sim.url);
  c.send(JSON.stringify({ jsonrpc: '2.0', method: 'server.version', id: 0, params: ['t', protocol] }));
  await c.next();
  const out: unknown[] = [];
  for (const l of lines) {
    c.send(l);
    out.push(JSON.parse((await c.next())!));
  }
  c.close();
  return out;
}
const call = (id: number, method: string, params: unknown = []): string => JSON.stringify({ jsonrpc: '2.0', method, id, params });

test('headersBug: false gives the correct split (1.6) and correct truncation (1.4.3)', async () => {
  const [r16] = (await ask([call(1, 'blockchain.block.headers', [30, 3])], ['1.4', '1.6'])) as { result: { headers: string[]; count: number } }[];
  expect(r16!.result.count).toBe(3);
  expect(r16!.result.headers.map((h) => h.length / 2)).toEqual([294, 294, 294]);
  const [r143] = (await ask([call(1, 'blockchain.block.headers', [30, 3, 40])])) as { result: { hex: string } }[];
  expect(r143!.result.hex.length / 2).toBe(240);
  expect(r143!.result.hex.slice(160, 320)).toBe(Buffer.from(chain.header(31)!.subarray(0, 80)).toString('hex'));
});

test('a cp_height proof folds to its root from the 80-byte header', async () => {
  const [r] = (await ask([call(1, 'blockchain.block.header', [17, 40])])) as { result: { header: string; branch: string[]; root: string } }[];
  const { header, branch, root } = r!.result;
  expect(header.length).toBe(160);
  let h = dsha256(Buffer.from(header, 'hex'));
  let index = 17;
  for (const sib of branch) {
    const s = Buffer.from(sib, 'hex').reverse();
    h = dsha256(index & 1 ? Buffer.concat([s, h]) : Buffer.concat([h, s]));
    index >>= 1;
  }
  expect(Buffer.from(h).reverse().toString('hex')).toBe(root);
  const hashes = Array.from({ length: 41 }, (_, i) => chain.blockHash(i)!);
  expect(Buffer.from(branchAndRoot(hashes, 17).root).reverse().toString('hex')).toBe(root);
});

test('argument errors as ElectrumX words them', async () => {
  const out = (await ask([
    call(1, 'blockchain.block.header', [5, 2]),
    call(2, 'blockchain.block.header', [-1]),
    call(3, 'blockchain.estimatefee', [2, 'FAST']),
    call(4, 'blockchain.transaction.get', ['xyz']),
    call(5, 'blockchain.transaction.get', ['00'.repeat(32), 'yes']),
    call(6, 'blockchain.transaction.get_merkle', [chain.blockTxids(3)![0], 4]),
    call(7, 'server.ping', [1]),
    call(8, 'blockchain.block.header', { height: 2, cp_height: 0 }),
    call(9, 'blockchain.block.header', { h: 2 }),
    call(10, 'blockchain.transaction.id_from_pos', [3, 7]),
  ])) as { result?: unknown; error?: { code: number; message: string } }[];
  expect(out.map((o) => o.error ?? o.result)).toEqual([
    { code: 1, message: 'require header height 5 <= cp_height 2 <= chain height 40' },
    { code: 1, message: '-1 should be a non-negative integer' },
    { code: 1, message: 'unknown estimatefee mode: FAST' },
    { code: 1, message: 'xyz should be a transaction hash' },
    { code: 1, message: '"verbose" must be a boolean' },
    { code: 1, message: `tx ${chain.blockTxids(3)![0]} not in block at height 4` },
    { code: -32602, message: '1 argument passed to method "server.ping" but it accepts at most 0' },
    Buffer.from(chain.header(2)!).toString('hex'),
    { code: -32602, message: 'method "blockchain.block.header" requires parameter "height"' },
    { code: 1, message: 'no tx at position 7 in block at height 3' },
  ]);
});

test('a batch with a notification in it answers only the requests; an empty batch is an error', async () => {
  const c = await LineClient.open(sim.url);
  c.send(call(0, 'server.version', ['t', '1.4.3']));
  await c.next();
  c.send('[' + call(1, 'server.ping') + ',{"jsonrpc":"2.0","method":"server.ping"},' + call(2, 'blockchain.relayfee') + ']');
  const line = (await c.next())!;
  expect(line.trimEnd().replace(/ +\]$/, ']')).toBe('[{"jsonrpc":"2.0","result":null,"id":1}, {"jsonrpc":"2.0","result":0.001,"id":2}]');
  c.send('[]');
  expect(JSON.parse((await c.next())!)).toEqual({ jsonrpc: '2.0', error: { code: -32600, message: 'batch is empty' }, id: null });
  c.close();
});

test('padMessages: false writes bare lines', async () => {
  const bare = await startSimulator({ chain, padMessages: false });
  const c = await LineClient.open(bare.url);
  c.send(call(0, 'server.version', ['t', '1.4.3']));
  expect(await c.next()).toBe('{"jsonrpc":"2.0","result":["ElectrumX 1.20.0","1.4.3"],"id":0}');
  c.close();
  await bare.close();
});

test('stats count connections, requests, bytes and methods', async () => {
  const before = { ...sim.stats, byMethod: { ...sim.stats.byMethod } };
  await ask([call(1, 'server.ping'), call(2, 'server.ping')]);
  expect(sim.stats.connections).toBe(before.connections + 1);
  expect(sim.stats.requests).toBe(before.requests + 3);
  expect(sim.stats.byMethod['server.ping']).toBe((before.byMethod['server.ping'] ?? 0) + 2);
  expect(sim.stats.bytesOut - before.bytesOut).toBe(3 * 1024);
});
