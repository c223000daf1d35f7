// Command-line front end of the simulator, for trying the agent by hand or from another process.
// Bundle it (esbuild, packages external) and run:
//
//   node sim.mjs [--tls] [--host 127.0.0.1] [--port 0] [--start-height 150] [--fixture-setup]
//                [--recorded <tip 150..194>] [--protocol-max 1.6.0] [--server-version "ElectrumX 1.20.0"]
//                [--no-pad] [--no-headers-bug]
//
// It prints one JSON line {"url","host","port","fingerprint","certPem","tipHeight"} and stays up.
// Commands on stdin, one per line, each answered with one JSON line:
//   mine [n] | mine-empty | state <name> | faults <json of FaultKnobs fields> | reset | quit
import { createInterface } from 'node:readline';
import { resetFaults, startSimulator, type SimulatorOptions } from './index.ts';

function parseArgs(argv: string[]): { opts: SimulatorOptions; fixture: boolean; recorded?: number } {
  const opts: SimulatorOptions = {};
  let fixture = false;
  let recorded: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = (): number => {
      const v = Number(val());
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer`);
      return v;
    };
    switch (a) {
      case '--tls': opts.tls = true; break;
      case '--host': opts.host = val(); break;
      case '--port': opts.port = num(); break;
      case '--start-height': opts.startHeight = num(); break;
      case '--protocol-min': opts.protocolMin = val(); break;
      case '--protocol-max': opts.protocolMax = val(); break;
      case '--server-version': opts.serverVersion = val(); break;
      case '--no-pad': opts.padMessages = false; break;
      case '--no-headers-bug': opts.headersBug = false; break;
      case '--fixture-setup': fixture = true; break;
      case '--recorded': recorded = num(); break;
      default:
        throw new Error(`unknown option ${a} (see the header of test/sim/cli.ts)`);
    }
  }
  return { opts, fixture, recorded };
}

async function main(): Promise<void> {
  const { opts, fixture, recorded } = parseArgs(process.argv.slice(2));
  // The fixtures (../shared/fixtures or NMCDDNS_FIXTURES) are needed only for these two.
  if (recorded !== undefined) opts.chain = (await import('./recorded.ts')).recordedChain(recorded);
  const sim = await startSimulator(opts);
  const setup = fixture ? (await import('./fixture-setup.ts')).fixtureSetup(sim.chain) : undefined;
  const out = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');
  out({
    url: sim.url,
    host: sim.host,
    port: sim.port,
    fingerprint: sim.certFingerprint ?? null,
    certPem: sim.certPem ?? null,
    tipHeight: sim.chain.tipHeight,
    ...(setup ? { setup } : {}),
  });
  const stop = async (): Promise<void> => {
    await sim.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const [cmd, ...rest] = line.trim().split(/\s+/);
    const arg = line.trim().slice((cmd ?? '').length).trim();
    try {
      switch (cmd) {
        case 'mine':
          out({ ok: true, blocks: sim.chain.mine(Number(rest[0] ?? 1)), tipHeight: sim.chain.tipHeight });
          break;
        case 'mine-empty':
          out({ ok: true, block: sim.chain.mineRaw([]), tipHeight: sim.chain.tipHeight });
          break;
        case 'state': {
          const st = sim.chain.nameState(arg);
          out({ ok: true, state: st && { ...st, script: Buffer.from(st.script).toString('hex'), ownerScript: Buffer.from(st.ownerScript).toString('hex') } });
          break;
        }
        case 'faults':
          Object.assign(sim.faults, JSON.parse(arg) as object);
          out({ ok: true });
          break;
        case 'reset':
          resetFaults(sim.faults);
          out({ ok: true });
          break;
        case 'quit':
          void stop();
          break;
        case '':
        case undefined:
          break;
        default:
          out({ ok: false, error: `unknown command ${cmd}` });
      }
    } catch (e) {
      out({ ok: false, error: (e as Error).message });
    }
  });
  rl.on('close', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`simulator: ${(e as Error).message}\n`);
  process.exit(2);
});
