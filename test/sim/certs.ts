// A throw-away self-signed certificate for the TLS listener, made with the openssl CLI (as the
// public Namecoin servers use self-signed certificates). The SHA-256 of the DER is what a client
// pins (Electrum's serverfingerprint).
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SimCert {
  certPem: string;
  keyPem: string;
  /** sha256 of the DER encoding, lowercase hex without colons. */
  fingerprint: string;
}

export function makeSelfSignedCert(commonName = 'nmcddns-sim.invalid'): SimCert {
  const dir = mkdtempSync(join(tmpdir(), 'nmcddns-sim-cert-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
        '-days', '3650', '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const certPem = readFileSync(cert, 'utf8');
    const keyPem = readFileSync(key, 'utf8');
    return { certPem, keyPem, fingerprint: certFingerprint(certPem) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function certFingerprint(certPem: string): string {
  const der = new X509Certificate(certPem).raw;
  return createHash('sha256').update(der).digest('hex');
}
