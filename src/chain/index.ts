// The chain layer's public surface, for the run and the CLI. Everything else in src/chain/ is
// an implementation detail of these.
export { ChainError, ServerError, type ChainErrorCode } from './errors.ts';
export { parseServerUrl, resolveServers, DEFAULT_SERVERS, GENESIS_HASHES, type ServerAddress } from './servers.ts';
export { PinStore, forgetPin, parseFingerprintList, certFingerprint, DEFAULT_PIN_FILE, type PinSource } from './pins.ts';
export { connectElectrum, ElectrumClient, type ElectrumOptions } from './electrum.ts';
export { connectFirst, connectAll, closeAll, type FailoverOptions, type ServerFailure } from './failover.ts';
export {
  lookupNameState,
  assertUpdatable,
  type NameState,
  type NameStateQuery,
  type NameCoin,
  type FeeCoin,
  type ConfirmedUpdate,
  type PendingUpdate,
} from './namestate.ts';
export { agreeNameStates, lookupAgreedNameState, type AgreedNameState, type AgreementOptions } from './agree.ts';
export { broadcastToAll, broadcastTo, classifyRejection, type BroadcastReport, type BroadcastResult, type RejectCategory } from './broadcast.ts';
export { openChain, ChainSessions, type ChainSettings } from './session.ts';
