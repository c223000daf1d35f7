// Replaced at bundle time by build.mjs; tests that import the sources see the fallback.
declare const __NMCDDNS_VERSION__: string | undefined;

export const VERSION: string =
  typeof __NMCDDNS_VERSION__ === 'string' ? __NMCDDNS_VERSION__ : '0.0.0-dev';
