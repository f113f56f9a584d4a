import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { topologyTls } from '../../src/tls/certificates';
import { tlsStateDir } from '../../src/tls/state';
import { parse, VALID } from './helpers';

describe('the topology CA and node certificates', () => {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-tls-'));
  beforeAll(() => (process.env.XDG_STATE_HOME = state));
  afterAll(() => {
    delete process.env.XDG_STATE_HOME;
    fs.rmSync(state, { recursive: true, force: true });
  });
  const t = parse(VALID);

  it('signs each node a certificate naming its container, its alias and the host addresses', async () => {
    const tls = (await topologyTls(t, ['192.0.2.7']))!;
    const ca = new X509Certificate(tls.ca);
    expect(ca.ca).toBe(true);
    const cert = new X509Certificate(tls.nodes.get('replica1')!.cert);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe(
      'DNS:shop-replica1, DNS:replica1, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192.0.2.7',
    );
    expect(cert.checkPrivateKey(createPrivateKey(tls.nodes.get('replica1')!.key))).toBe(true);
  });

  it('keeps the CA between runs, its key readable by this user only, and makes none with tls: off', async () => {
    const first = (await topologyTls(t, []))!.ca;
    expect((await topologyTls(t, []))!.ca).toBe(first);
    expect(fs.statSync(path.join(tlsStateDir('shop'), 'ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(await topologyTls(parse(VALID.replace('replication:\n', 'replication:\n  tls: off\n')), [])).toBeUndefined();
  });

  it('a remote engine named by host name is in the names; plan makes a missing CA in memory and keeps none', async () => {
    const other = parse(VALID.replace('name: shop', 'name: shop-plan'));
    const tls = (await topologyTls(other, ['box.example', '192.0.2.8'], { keepNewCa: false }))!;
    expect(new X509Certificate(tls.nodes.get('primary')!.cert).subjectAltName).toContain('DNS:box.example, IP Address:127.0.0.1');
    expect(fs.existsSync(tlsStateDir('shop-plan'))).toBe(false);
    // The one up then makes is kept, and a second plan compares with it.
    const kept = (await topologyTls(other, []))!.ca;
    expect((await topologyTls(other, [], { keepNewCa: false }))!.ca).toBe(kept);
  });
});
