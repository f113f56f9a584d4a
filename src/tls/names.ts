import { X509Certificate } from 'node:crypto';

/**
 * The names and addresses a certificate (PEM) is valid for, sorted, as `DNS:name` and
 * `IP Address:addr`: what a held certificate and the one the topology needs are compared by
 * (their keys and dates differ on every issue). Empty for text that is no certificate.
 */
export function certificateNames(certPem: string | undefined): string[] {
  if (!certPem) return [];
  try {
    return (new X509Certificate(certPem).subjectAltName ?? '').split(', ').filter(Boolean).sort();
  } catch {
    return [];
  }
}
