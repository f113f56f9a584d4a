import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it loaded first
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isIP } from 'node:net';
import { containerName } from '../names';
import type { Topology } from '../topology/types';
import { tlsStateDir } from './state';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** A node's certificate and private key, PEM. */
export interface NodeTls {
  cert: string;
  key: string;
}

/** The topology's CA certificate (PEM) and a certificate for each node, signed by it. */
export interface TopologyTls {
  ca: string;
  nodes: Map<string, NodeTls>;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * The topology's CA (made on first use, then kept) and a fresh certificate for every node: its
 * container name and network alias (what replicas connect to) and the host addresses clients use
 * are in its subject alternative names, so both can verify it. Undefined with replication.tls: off.
 */
export async function topologyTls(
  t: Topology,
  hostAddresses: string[],
  o: { keepNewCa?: boolean; keeper?: CaKeeper } = {},
): Promise<TopologyTls | undefined> {
  if (t.replication.tls === 'off') return undefined;
  const ca = await loadOrCreateCa(t.name, o.keepNewCa ?? true, o.keeper);
  const nodes = new Map<string, NodeTls>();
  for (const n of t.nodes) {
    const ips = [...new Set(['127.0.0.1', '::1', ...hostAddresses, n.bind].filter((a) => isIP(a) && a !== '0.0.0.0' && a !== '::'))];
    // A remote engine named by its host name (ssh://box, tcp://box:2376) is reached by that name.
    const names = [containerName(t, n.name), n.name, 'localhost', ...hostAddresses.filter((a) => !isIP(a))];
    nodes.set(n.name, await issue(ca, containerName(t, n.name), [...new Set(names)], ips));
  }
  return { ca: ca.cert.toString('pem'), nodes };
}

interface Ca {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

/** The CA as PEM text: its certificate and its private key (PKCS #8). */
export interface CaPem {
  cert: string;
  key: string;
}

/**
 * Where a topology's CA is kept beside this machine's state folder: with the topology on its
 * engine (docker/ca-keeper.ts), so that `up` from any machine converges to the same CA.
 */
export interface CaKeeper {
  read(): Promise<CaPem | undefined>;
  write(ca: CaPem): Promise<void>;
}

/**
 * The topology's CA: the one kept with the topology (`keeper`), else the one in this machine's
 * state folder (then kept with the topology too), else a new one. `keep`: write what was found
 * or made to both places; `plan` makes one in memory only, to compare with.
 */
async function loadOrCreateCa(topology: string, keep: boolean, keeper?: CaKeeper): Promise<Ca> {
  const dir = tlsStateDir(topology);
  const certFile = path.join(dir, 'ca.pem');
  const keyFile = path.join(dir, 'ca-key.pem');
  const local =
    fs.existsSync(certFile) && fs.existsSync(keyFile)
      ? { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') }
      : undefined;
  const shared = await keeper?.read();
  let found = shared ?? local;
  if (!found) {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=replikit CA for ${topology}`,
      notBefore: new Date(Date.now() - 3600_000),
      notAfter: new Date(Date.now() + 10 * YEAR_MS),
      keys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ],
    });
    found = { cert: cert.toString('pem'), key: pem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY') };
  }
  if (keep) {
    if (keeper && !shared) await keeper.write(found);
    if (local?.cert !== found.cert || local?.key !== found.key) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(keyFile, found.key, { mode: 0o600 });
      fs.writeFileSync(certFile, found.cert, { mode: 0o644 });
    }
  }
  const key = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(found.key), ALG, false, ['sign']);
  return { cert: new x509.X509Certificate(found.cert), key: key as CryptoKey };
}

async function issue(ca: Ca, commonName: string, names: string[], ips: string[]): Promise<NodeTls> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${commonName}`,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 5 * YEAR_MS),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ALG,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        ...names.map((value) => ({ type: 'dns' as const, value })),
        ...ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      // Server for clients and replicas; client too, for a replica presenting it one day.
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    ],
  });
  return { cert: cert.toString('pem'), key: pem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY') };
}

function pem(der: ArrayBuffer, label: string): string {
  return `${x509.PemConverter.encode(der, label)}\n`;
}

/** A positive random serial number, as CAs are asked to make them. */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}
