// src/netif: WAN addresses, their classification, and whether the world can reach them.
// The agent calls checkReachability(); the pure parts are exported for tests and for `status`.
export type { AddressSource, AddressVerdict, NetifOptions, PortMapping, PortSpec, Proto, ReachabilityVerdict, Via } from './types.ts';
export { checkReachability, validateNetifOptions } from './reachability.ts';
export { removeMappings } from './upstream.ts';
export { classifyIPv4, classifyIPv6, describeKind, type Classification, type IPv4Kind, type IPv6Kind } from './classify.ts';
export { canonicalIPv6, parseIPv4, parseIPv6 } from './addr.ts';
export { parseIfInet6, type IfInet6Entry } from './ifinet6.ts';
export { parseNetifdStatus, type NetifdStatus } from './netifd.ts';
export { applySuffix, chooseIPv6, type Ip6Candidate, type Ip6Choice } from './ip6choice.ts';
export { parsePortSpec } from './ports.ts';
export { parseScriptOutput } from './script.ts';
export { checkIp6Firewall, parseUci } from './firewall.ts';
