// Why the signer would not sign. Each code is one broken invariant or bad input; the message names
// the field at fault and what to do. Messages never include key material.
export type SignRefusalCode =
  | 'not-a-name-coin'
  | 'expired-or-new'
  | 'wrong-name'
  | 'name-coin-not-hot'
  | 'foreign-name-coin'
  | 'fee-coin-is-name'
  | 'fee-coin-not-hot'
  | 'duplicate-coin'
  | 'bad-coin'
  | 'bad-key'
  | 'value-too-long'
  | 'name-too-long'
  | 'value-not-standard'
  | 'non-minimal-name-coin'
  | 'name-amount-too-low'
  | 'bad-fee-policy'
  | 'fee-above-cap'
  | 'fee-rate-above-cap'
  | 'insufficient-funds'
  | 'non-roundtrip-script'
  | 'unsupported-script';

export class SignRefusal extends Error {
  readonly code: SignRefusalCode;
  constructor(code: SignRefusalCode, message: string) {
    super(message);
    this.name = 'SignRefusal';
    this.code = code;
  }
}
