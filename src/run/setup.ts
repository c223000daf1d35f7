// `nmcddns setup`: what the owner does once, in the cold wallet, so the router's hot key can keep
// the dd/ name current and nothing more (reference namecoin.md §4.6–4.8, DESIGN.md "delegated
// alteration"). Pure: config + hot address in, steps out.

export interface SetupStep {
  title: string;
  /** Why this step matters, in one sentence. */
  why: string;
  /** Namecoin Core (namecoin-cli) command, when there is one. */
  command?: string;
  /** Electrum-NMC console equivalent. */
  electrum?: string;
  /** A value to put on chain, exactly. */
  value?: string;
}

export interface SetupPlan {
  name: string;
  /** The cold name that imports the dd/ name. */
  domain: string;
  hotAddress: string;
  network: string;
  /** The exact value for the d/ name. */
  domainValue: string;
  /** The same with a TLS pin placeholder, for owners who serve TLS. */
  domainValueWithTls: string;
  /** Suggested amount to fund the hot address, NMC. */
  fundNmc: string;
  steps: SetupStep[];
}

/** The d/ name that goes with dd/<label> unless the owner says otherwise. */
export function defaultDomain(name: string): string {
  return name.startsWith('dd/') ? `d/${name.slice(3)}` : name;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function setupPlan(name: string, hotAddress: string, network: string, domain = defaultDomain(name)): SetupPlan {
  // "ns":[] and "ds":[] pin delegation empty: the importing name wins item by item, and ncdns
  // ignores null for these keys (namecoin.md §4.4), so a thief with the hot key cannot add them.
  const base = { import: [[name]], ns: [], ds: [] };
  const domainValue = JSON.stringify(base);
  const domainValueWithTls = JSON.stringify({ ...base, map: { '*': { tls: [[2, 1, 0, '<base64 SPKI of your TLS key>']] } } });
  const cli = network === 'mainnet' ? 'namecoin-cli' : `namecoin-cli -${network === 'testnet' ? 'testnet' : 'regtest'}`;
  // 0.05 NMC: about 200 updates at the 100 sat/vB relay minimum (≈ 25,000 sat each).
  const fundNmc = '0.05';
  const steps: SetupStep[] = [
    {
      title: `Move ${name} to the hot address`,
      why: `the router signs updates of ${name} with its hot key, so the name's coin must sit at ${hotAddress}; its first value can be empty, the router fills in the address`,
      command: `${cli} name_update ${shellQuote(name)} '{}' ${shellQuote(JSON.stringify({ destAddress: hotAddress }))}`,
      electrum: `name_update("${name}", "{}", destination="${hotAddress}")  then broadcast(...)`,
      value: '{}',
    },
    {
      title: `Point ${domain} at ${name} (stays in the cold wallet)`,
      why: `${domain} imports ${name}, so the router's address appears under .bit, while delegation (ns/ds, pinned empty) and your TLS pin stay in ${domain} where the hot key cannot touch them; never put ip/ip6 in ${domain}, they would override the router's`,
      command: `${cli} name_update ${shellQuote(domain)} ${shellQuote(domainValue)}`,
      electrum: `name_update("${domain}", '${domainValue}')  then broadcast(...)`,
      value: domainValue,
    },
    {
      title: 'If you serve TLS: keep the pin in the cold name',
      why: `a TLSA pin in ${domain} (map "*") means a thief with the router key can redirect visitors but not impersonate your site`,
      value: domainValueWithTls,
    },
    {
      title: `Fund the hot address with about ${fundNmc} NMC`,
      why: 'every update pays a fee of roughly 0.00025 NMC (100 sat/vB); the router never spends more than max_fee per transaction',
      command: `${cli} sendtoaddress ${hotAddress} ${fundNmc}`,
      electrum: `payto("${hotAddress}", ${fundNmc})  then broadcast(...)`,
    },
    {
      title: 'Check and enable',
      why: 'after one block, doctor checks ownership, the import, funds and reachability; then the router keeps the name current on its own',
      command: "nmcddns doctor && uci set nmcddns.@nmcddns[0].enabled=1 && uci commit nmcddns && /etc/init.d/nmcddns restart",
    },
  ];
  return { name, domain, hotAddress, network, domainValue, domainValueWithTls, fundNmc, steps };
}

export function formatSetup(plan: SetupPlan): string {
  const lines = [`Setting up ${plan.name} on ${plan.network} (hot address ${plan.hotAddress}):`, ''];
  plan.steps.forEach((s, i) => {
    lines.push(`${i + 1}. ${s.title}`);
    lines.push(`   ${s.why}.`);
    if (s.value !== undefined) lines.push(`   value: ${s.value}`);
    if (s.command !== undefined) lines.push(`   $ ${s.command}`);
    if (s.electrum !== undefined) lines.push(`   Electrum-NMC: ${s.electrum}`);
    lines.push('');
  });
  return lines.join('\n');
}
