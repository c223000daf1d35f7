// Name scripts: Core's vectors (reference §6.1), real mainnet scripts, Core's parse rules, minimal pushes.
import * as bitcoin from 'bitcoinjs-lib';
import { describe, expect, test } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/sign/bytes.ts';
import { hash160, hotKeyFromWif, hotScript } from '../../src/sign/keys.ts';
import {
  buildNameFirstUpdateScript,
  buildNameNewScript,
  buildNameUpdateScript,
  isMinimallyEncoded,
  nameIndexScript,
  parseNameScript,
  pushData,
  stripNamePrefix,
} from '../../src/sign/namescript.ts';
import { getNetwork } from '../../src/sign/network.ts';
import { electrumScripthash } from '../../src/sign/scripthash.ts';
import { readFixtureJson } from '../helpers/fixtures.ts';
import { fixtureKey, mainnetTx } from './recorded.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const P2PKH_MYUG = hexToBytes('76a9141fc11f39be1729bf973a7ab6a615ca4729d6457488ac'); // MyUGVwiPwomjPJwBBud1pxnmNp73dKB9s1

describe('Namecoin Core namecoin-tx vectors (reference §6.1)', () => {
  test('name_new d/foobar rand 1234: hash160(rand‖name) and the script', () => {
    const hash = hash160(concatBytes(hexToBytes('1234'), utf8('d/foobar')));
    expect(bytesToHex(hash)).toBe('a7a8c219f34fa29577740eee3ff41bf03ea957a5');
    expect(bytesToHex(buildNameNewScript(hash, P2PKH_MYUG))).toBe(
      '5114a7a8c219f34fa29577740eee3ff41bf03ea957a56d76a9141fc11f39be1729bf973a7ab6a615ca4729d6457488ac',
    );
  });
  test('name_firstupdate d/foobar, rand 1234, value "value"', () => {
    const s = buildNameFirstUpdateScript(utf8('d/foobar'), hexToBytes('1234'), utf8('value'), P2PKH_MYUG);
    expect(bytesToHex(s)).toBe('5208642f666f6f6261720212340576616c75656d6d' + bytesToHex(P2PKH_MYUG));
  });
  test('name_update d/foobar "value"', () => {
    const s = buildNameUpdateScript(utf8('d/foobar'), utf8('value'), P2PKH_MYUG);
    expect(bytesToHex(s)).toBe('5308642f666f6f6261720576616c75656d7576a9141fc11f39be1729bf973a7ab6a615ca4729d6457488ac');
    // The full namecoin-tx output: 0.01 NMC, this script.
    const tx = new bitcoin.Transaction();
    tx.version = 1;
    tx.addOutput(s, 1_000_000n);
    expect(tx.toHex()).toBe('01000000000140420f00000000002b' + bytesToHex(s) + '00000000');
  });
  test('binary name 642f00ff (name_update_encoding.json)', () => {
    const s = buildNameUpdateScript(hexToBytes('642f00ff'), utf8('value'), P2PKH_MYUG);
    expect(bytesToHex(s)).toBe('5304642f00ff0576616c75656d75' + bytesToHex(P2PKH_MYUG));
    const p = parseNameScript(s);
    expect(p?.op === 'name_update' && bytesToHex(p.name)).toBe('642f00ff');
  });
  test('reference §6.3 dd/example scripts (P2PKH and P2WPKH)', () => {
    const h = hexToBytes('5b0b2099fee76b5583772e35aef8f4de7496cebf');
    const v = utf8('{"ip":"198.51.100.7"}');
    const p2pkh = concatBytes(hexToBytes('76a914'), h, hexToBytes('88ac'));
    const p2wpkh = concatBytes(hexToBytes('0014'), h);
    expect(bytesToHex(buildNameUpdateScript(utf8('dd/example'), v, p2pkh))).toBe(
      '530a64642f6578616d706c65157b226970223a223139382e35312e3130302e37227d6d7576a9145b0b2099fee76b5583772e35aef8f4de7496cebf88ac',
    );
    expect(bytesToHex(buildNameUpdateScript(utf8('dd/example'), v, p2wpkh))).toBe(
      '530a64642f6578616d706c65157b226970223a223139382e35312e3130302e37227d6d7500145b0b2099fee76b5583772e35aef8f4de7496cebf',
    );
  });
});

describe('real mainnet name scripts', () => {
  const outputs = ['0c6867', '5e3495', 'cfc5d7', '037339', '460f2b'].flatMap((id) =>
    mainnetTx(id).vout.map((o) => ({ id, o, script: hexToBytes(o.scriptPubKey.hex) })),
  );
  test('parse as Core decoded them, and rebuild to the same bytes', () => {
    let names = 0;
    for (const { id, o, script } of outputs) {
      const p = parseNameScript(script);
      const expected = (o.scriptPubKey as { nameOp?: { op: string; name?: string; value?: string; rand?: string; hash?: string } }).nameOp;
      if (!expected) {
        expect(p, `${id}:${o.n}`).toBeNull();
        continue;
      }
      names++;
      expect(p?.op).toBe(expected.op);
      if (p === null) continue;
      if (p.op === 'name_new') {
        expect(bytesToHex(p.hash)).toBe(expected.hash);
        expect(bytesToHex(buildNameNewScript(p.hash, p.address))).toBe(bytesToHex(script));
      } else if (p.op === 'name_firstupdate') {
        expect(new TextDecoder().decode(p.name)).toBe(expected.name);
        expect(new TextDecoder().decode(p.value)).toBe(expected.value);
        expect(bytesToHex(p.rand)).toBe(expected.rand);
        expect(bytesToHex(buildNameFirstUpdateScript(p.name, p.rand, p.value, p.address))).toBe(bytesToHex(script));
      } else {
        expect(new TextDecoder().decode(p.name)).toBe(expected.name);
        expect(new TextDecoder().decode(p.value)).toBe(expected.value);
        expect(bytesToHex(buildNameUpdateScript(p.name, p.value, p.address))).toBe(bytesToHex(script));
      }
      expect(isMinimallyEncoded(script)).toBe(true);
    }
    expect(names).toBe(5);
  });
  test('037339 (dd/domob, 180-byte value) uses PUSHDATA1, 460f2b (300 bytes) PUSHDATA2', () => {
    const domob = outputs.find((x) => x.id === '037339' && parseNameScript(x.script))!;
    const p = parseNameScript(domob.script)!;
    expect(p.op === 'name_update' && p.value.length).toBe(180);
    expect(bytesToHex(pushData(new Uint8Array(180)).subarray(0, 2))).toBe('4cb4');
    const t6 = outputs.find((x) => x.id === '460f2b' && parseNameScript(x.script))!;
    const q = parseNameScript(t6.script)!;
    expect(q.op === 'name_update' && q.value.length).toBe(300);
    expect(bytesToHex(pushData(new Uint8Array(300)).subarray(0, 3))).toBe('4d2c01');
  });
});

describe("Core's parse rules (CNameScript)", () => {
  const addr = P2PKH_MYUG;
  const hexAddr = bytesToHex(addr);
  test('an OP_N argument is not a data push: not a name script', () => {
    expect(parseNameScript(hexToBytes('5302dd2f55' + '6d75' + hexAddr))).toBeNull(); // value OP_5
  });
  test('OP_0 is an (empty) argument', () => {
    const p = parseNameScript(hexToBytes('5302dd2f00' + '6d75' + hexAddr));
    expect(p?.op === 'name_update' && p.value.length).toBe(0);
  });
  test('exact argument counts', () => {
    expect(parseNameScript(hexToBytes('5302dd2f6d75' + hexAddr))).toBeNull(); // UPDATE with 1 arg
    expect(parseNameScript(hexToBytes('5302dd2f01aa01bb6d75' + hexAddr))).toBeNull(); // UPDATE with 3
    expect(parseNameScript(hexToBytes('5201aa01bb6d6d' + hexAddr))).toBeNull(); // FIRSTUPDATE with 2
    expect(parseNameScript(hexToBytes('5101aa01bb6d' + hexAddr))).toBeNull(); // NEW with 2
  });
  test('stops at the first DROP/2DROP/NOP and skips the following ones', () => {
    const p = parseNameScript(hexToBytes('5302dd2f02aabb' + '61' + '75756d61' + hexAddr));
    expect(p?.op).toBe('name_update');
    expect(bytesToHex(p!.address)).toBe(hexAddr);
    // A single DROP is enough for Core's parser too.
    expect(bytesToHex(parseNameScript(hexToBytes('5302dd2f02aabb75' + hexAddr))!.address)).toBe(hexAddr);
  });
  test('a truncated push or a non-name first byte is not a name script', () => {
    expect(parseNameScript(hexToBytes('5302dd2f05aabb'))).toBeNull();
    expect(parseNameScript(hexToBytes('534c'))).toBeNull();
    expect(parseNameScript(addr)).toBeNull();
    expect(parseNameScript(new Uint8Array(0))).toBeNull();
    expect(bytesToHex(stripNamePrefix(addr))).toBe(hexAddr);
  });
  test('returned fields are copies, not views into the script', () => {
    const s = buildNameUpdateScript(utf8('dd/x'), utf8('{}'), addr);
    const p = parseNameScript(s)!;
    s.fill(0);
    expect(p.op === 'name_update' && new TextDecoder().decode(p.name)).toBe('dd/x');
  });
});

describe('pushes: minimal, by bytes, never OP_N', () => {
  test('build → parse round trip at every push-size boundary', () => {
    for (const n of [0, 2, 75, 76, 255, 256, 520]) {
      const value = new Uint8Array(n).fill(0x61);
      const s = buildNameUpdateScript(utf8('dd/size'), value, addr());
      const p = parseNameScript(s);
      expect(p?.op === 'name_update' && p.value.length, `len ${n}`).toBe(n);
      expect(isMinimallyEncoded(s), `len ${n}`).toBe(true);
    }
    function addr(): Uint8Array {
      return P2PKH_MYUG;
    }
  });
  test('bitcoinjs compile would turn a 1-byte 0x05 push into OP_5 — which is why we build by bytes', () => {
    const viaCompile = bitcoin.script.compile([0x53, utf8('dd/x'), Uint8Array.of(5), 0x6d, 0x75]);
    expect(parseNameScript(concatBytes(viaCompile, P2PKH_MYUG))).toBeNull();
  });
  test('a single byte 0x01..0x10 or 0x81 has no standard name push and is refused with the field named', () => {
    expect(() => buildNameUpdateScript(utf8('dd/x'), Uint8Array.of(5), P2PKH_MYUG)).toThrow(/value is the single byte 0x05/);
    expect(() => buildNameUpdateScript(utf8('dd/x'), Uint8Array.of(0x81), P2PKH_MYUG)).toThrow(/value/);
    // Other single bytes are fine as a direct push ("1" is 0x31).
    expect(bytesToHex(buildNameUpdateScript(utf8('dd/x'), utf8('1'), P2PKH_MYUG)).slice(0, 16)).toBe('530464642f780131');
  });
  test('more than 520 bytes cannot be pushed', () => {
    expect(() => buildNameUpdateScript(utf8('dd/x'), new Uint8Array(521), P2PKH_MYUG)).toThrow(/521 bytes/);
  });
  test('isMinimallyEncoded spots the non-minimal pushes of the rejections fixture', () => {
    // PUSHDATA1 for the 7-byte name, and PUSHDATA2 for a 19-byte value (rejections/README).
    expect(isMinimallyEncoded(hexToBytes('534c0764642f6563686f137b226970223a223139322e302e322e3535227d6d7500146c1fbb516bb7d68e7ea8579e8a71de4ca8717017'))).toBe(false);
    expect(isMinimallyEncoded(hexToBytes('530764642f6563686f4d13007b226970223a223139322e302e322e3535227d6d7500146c1fbb516bb7d68e7ea8579e8a71de4ca8717017'))).toBe(false);
    expect(isMinimallyEncoded(hexToBytes('530264640105' + '6d75'))).toBe(false); // 01 05 should be OP_5
    expect(isMinimallyEncoded(hexToBytes('53026464014c'))).toBe(true);
    expect(isMinimallyEncoded(hexToBytes('5305aa'))).toBe(false); // truncated
  });
});

describe('name index scripts and scripthashes (ElectrumX)', () => {
  const recorded: [string, string][] = [
    ['dd/alpha', '1459811f851c4b4c0684a1789134a301b91279182a42f7831b6c0ddd966bffd8'],
    ['dd/bravo', 'f1c91dd51dc7a393072fc3db91b80a1d8b1fd2a17d0b010bf575fbd574ed52ac'],
    ['dd/charlie', '3a27133a0e7d067c036f393b59ab88c50e78d3f83334bec7595e24a69d8bef3c'],
    ['dd/delta', '72180aacbe138ccccda705eaa221263c133cb9600d2bbc5db8af74a32f6f4ea4'],
    ['dd/echo', '8a01561dc658f98a6d30b07cf78fcea77a727e64d2bbe577e5da6b03b95590ad'],
    // reference §6.3
    ['d/heretostay', '44e4c97fad541d244792eca204f185f657ae3da42fbdf6180f26aa398cfc4617'],
    ['dd/example', '19a732a6d3be9148f2df345f81006ac7da2fd764a4f1ffb702c94fefe9537bfc'],
    ['d/example', '92f51fe51fa9c53ea842325c9c63a9b8592b3f64c7477b6e538a64d80cd8c0ac'],
  ];
  for (const [name, hash] of recorded) {
    test(name, () => expect(electrumScripthash(nameIndexScript(utf8(name)))).toBe(hash));
  }
  // The same, read straight from what each recorded scenario says ElectrumX indexed it under.
  interface ScenarioIndex { name: string; name_index_scripthash: string; owner_key: string; owner_kind: 'p2wpkh' | 'p2pkh'; owner_scripthash: string }
  for (const dir of ['p2wpkh-update', 'p2pkh-update', 'surplus-fee', 'rbf-and-chains', 'expiry']) {
    test(`${dir}/scenario.json: name-index and owner scripthashes`, () => {
      const sc = readFixtureJson<ScenarioIndex>('regtest', dir, 'scenario.json');
      expect(electrumScripthash(nameIndexScript(utf8(sc.name)))).toBe(sc.name_index_scripthash);
      const key = hotKeyFromWif(fixtureKey(sc.owner_key).wif_regtest, getNetwork('regtest'), sc.owner_kind);
      expect(electrumScripthash(hotScript(key))).toBe(sc.owner_scripthash);
    });
  }
  test('electrum-transcripts/scenario.json: the index script bytes and scripthash', () => {
    const sc = readFixtureJson<{ name: string; name_index_script_hex: string; name_index_scripthash: string }>('regtest', 'electrum-transcripts', 'scenario.json');
    expect(bytesToHex(nameIndexScript(utf8(sc.name)))).toBe(sc.name_index_script_hex);
    expect(electrumScripthash(hexToBytes(sc.name_index_script_hex))).toBe(sc.name_index_scripthash);
  });
  test('dd/alpha index script bytes (p2wpkh-update README)', () => {
    expect(bytesToHex(nameIndexScript(utf8('dd/alpha')))).toBe('530864642f616c706861006d756a');
  });
});
