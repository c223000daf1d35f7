// Namecoin network parameters (reference namecoin.md §3; Core src/kernel/chainparams.cpp,
// Electrum-NMC constants.py). bitcoinjs-lib only needs the address/WIF bytes; the rest is what the
// signer and the name-expiry logic need to know about each chain.
import type { Network } from 'bitcoinjs-lib/src/networks';

export type NetworkName = 'mainnet' | 'testnet' | 'regtest';

export interface ElectrumPorts {
  tcp: number;
  tls: number;
}

export interface NamecoinNetwork {
  name: NetworkName;
  bitcoinjs: Network;
  /** Blocks after the last update at which a name expires (Core NameExpirationDepth, current rule). */
  nameExpirationDepth: number;
  /** Consensus minimum of a name output, in satoshis (NAME_LOCKED_AMOUNT; below it: tx-name-greedy). */
  minNameAmount: number;
  /** Core DEFAULT_MIN_RELAY_TX_FEE in sat/vB: 100, a thousand times Bitcoin's. */
  minRelayFeeRate: number;
  /** Electrum-NMC's default server ports; regtest has none. */
  defaultElectrumPorts?: ElectrumPorts;
}

const MESSAGE_PREFIX = '\x19Namecoin Signed Message:\n';

const MAINNET: NamecoinNetwork = Object.freeze({
  name: 'mainnet',
  bitcoinjs: Object.freeze({
    messagePrefix: MESSAGE_PREFIX,
    bech32: 'nc',
    // Bitcoin's BIP32 bytes: Core never gave Namecoin its own ("FIXME: Update these").
    bip32: Object.freeze({ public: 0x0488b21e, private: 0x0488ade4 }),
    pubKeyHash: 0x34,
    scriptHash: 0x0d,
    wif: 0xb4,
  }),
  nameExpirationDepth: 36000,
  minNameAmount: 1_000_000,
  minRelayFeeRate: 100,
  defaultElectrumPorts: Object.freeze({ tcp: 50001, tls: 50002 }),
}) as NamecoinNetwork;

const TESTNET: NamecoinNetwork = Object.freeze({
  name: 'testnet',
  bitcoinjs: Object.freeze({
    messagePrefix: MESSAGE_PREFIX,
    bech32: 'tn',
    bip32: Object.freeze({ public: 0x043587cf, private: 0x04358394 }),
    pubKeyHash: 0x6f,
    scriptHash: 0xc4,
    wif: 0xef,
  }),
  nameExpirationDepth: 36000,
  minNameAmount: 1_000_000,
  minRelayFeeRate: 100,
  defaultElectrumPorts: Object.freeze({ tcp: 51001, tls: 51002 }),
}) as NamecoinNetwork;

const REGTEST: NamecoinNetwork = Object.freeze({
  name: 'regtest',
  bitcoinjs: Object.freeze({
    messagePrefix: MESSAGE_PREFIX,
    bech32: 'ncrt',
    bip32: Object.freeze({ public: 0x043587cf, private: 0x04358394 }),
    pubKeyHash: 0x6f,
    scriptHash: 0xc4,
    wif: 0xef,
  }),
  nameExpirationDepth: 30,
  minNameAmount: 1_000_000,
  minRelayFeeRate: 100,
}) as NamecoinNetwork;

export const NETWORKS: Readonly<Record<NetworkName, NamecoinNetwork>> = Object.freeze({
  mainnet: MAINNET,
  testnet: TESTNET,
  regtest: REGTEST,
});

export function isNetworkName(name: string): name is NetworkName {
  return name === 'mainnet' || name === 'testnet' || name === 'regtest';
}

export function getNetwork(name: string): NamecoinNetwork {
  if (!isNetworkName(name)) {
    throw new Error(`unknown Namecoin network ${JSON.stringify(name)}: use one of mainnet, testnet, regtest`);
  }
  return NETWORKS[name];
}
