import { createConnection } from 'mysql2/promise';
import { status, up, verify } from '../../src';
import { cleanup, IMAGE, requireEngine, simpleTopology, uniqueName } from './harness';

beforeAll(requireEngine);

describe('a node published on another address of this host', () => {
  const name = uniqueName('bind');
  afterAll(() => cleanup(name));

  it('is reached through its bind address by up, status and verify, and its certificate names that address', async () => {
    const t = simpleTopology(name, IMAGE, { replica1: undefined }, '', { replica1: '    bind: 127.0.0.2\n' });
    const r = await up(t, { progress: 'silent' });
    const replica = r.nodes.find((n) => n.name === 'replica1')!;
    expect(replica.host).toBe('127.0.0.2');
    // Verified TLS to 127.0.0.2: the certificate names it.
    const conn = await createConnection(replica.connection);
    const [[row]] = (await conn.query('SELECT @@GLOBAL.read_only AS ro')) as unknown as [{ ro: number }[]];
    expect(row.ro).toBe(1);
    await conn.end();
    // Nothing answers for it on 127.0.0.1.
    const other = await createConnection({ ...replica.connection, host: '127.0.0.1' }).catch((e) => e);
    expect((other as { code?: string }).code).toBe('ECONNREFUSED');
    expect((await status(t)).nodes.find((n) => n.node === 'replica1')!.address).toBe(`127.0.0.2:${replica.port}`);
    expect((await verify(t)).ok).toBe(true);
  });
});
