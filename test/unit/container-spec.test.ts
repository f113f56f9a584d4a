import { containerPlan } from '../../src/docker/container-spec';
import { renderNode } from '../../src/render/mycnf';
import { tarOf } from '../../src/docker/archive';
import { extract } from 'tar-stream';
import { parse, VALID } from './helpers';

describe('container plan', () => {
  const t = parse(VALID.replace('root_password: ${ROOT_PW}', 'root_password: "s3cr3t-root"'));
  const [primary, replica] = t.nodes;
  const plan = containerPlan(t, replica, renderNode(t, replica));

  it('keeps passwords out of the environment and out of the create options', () => {
    expect(plan.options.Env).toEqual(['MYSQL_ROOT_PASSWORD_FILE=/run/secrets/replikit-root-password']);
    expect(JSON.stringify(plan.options)).not.toContain('s3cr3t-root');
    expect(JSON.stringify(plan.options)).not.toContain('replpw');
    const secret = plan.files.find((f) => f.path === '/run/secrets/replikit-root-password')!;
    expect(secret).toMatchObject({ content: 's3cr3t-root', mode: 0o400, uid: 999 });
  });

  it('uses the MariaDB variable for MariaDB images', () => {
    const m = { ...primary, image: 'mariadb:11.4' };
    expect(containerPlan(t, m, renderNode(t, m)).options.Env).toEqual(['MARIADB_ROOT_PASSWORD_FILE=/run/secrets/replikit-root-password']);
  });

  it('stores data in a named volume, binds no host path, never runs privileged', () => {
    const host = plan.options.HostConfig!;
    expect(host.Mounts).toEqual([{ Type: 'volume', Source: 'shop-replica1-data', Target: '/var/lib/mysql' }]);
    expect(host.Binds).toBeUndefined();
    expect(host.Privileged).toBe(false);
  });

  it('publishes the port on 127.0.0.1 and labels the container with topology, node and config hash', () => {
    expect(plan.options.HostConfig!.PortBindings).toEqual({ '3306/tcp': [{ HostIp: '127.0.0.1', HostPort: '3308' }] });
    expect(plan.options.Labels).toEqual({
      'io.replikit.topology': 'shop',
      'io.replikit.node': 'replica1',
      'io.replikit.config-hash': plan.configHash,
    });
    expect(plan.name).toBe('shop-replica1');
    expect(plan.options.HostConfig!.NetworkMode).toBe('shop-net');
  });

  it('puts my.cnf into conf.d with mode 0644 through a tar archive', async () => {
    const entries: { name: string; mode?: number; body: string }[] = [];
    const x = extract();
    x.on('entry', (h, stream, next) => {
      let body = '';
      stream.on('data', (c) => (body += String(c)));
      stream.on('end', () => (entries.push({ name: h.name, mode: h.mode, body }), next()));
    });
    const done = new Promise<void>((r) => x.on('finish', () => r()));
    x.end(await tarOf(plan.files));
    await done;
    const cnf = entries.find((e) => e.name === 'etc/mysql/conf.d/replikit.cnf')!;
    expect(cnf.mode).toBe(0o644);
    expect(cnf.body).toContain(`server_id = ${replica.serverId}\n`);
  });

  it('gives every node an init file that sets root from the topology, readable by the server only', () => {
    const m = parse(VALID.replace('image: mysql:8.0', 'image: mariadb:11.4').replace('root_password: ${ROOT_PW}', `root_password: "it's"`));
    const p = containerPlan(m, m.nodes[0], renderNode(m, m.nodes[0]));
    const init = p.files.find((f) => f.path === '/run/secrets/replikit-root-init.sql');
    expect(init).toMatchObject({ mode: 0o400, uid: 999, gid: 999 });
    expect(init!.content.split('\n')).toEqual([
      'SET SESSION sql_log_bin=0;',
      "DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';",
      "ALTER USER IF EXISTS 'root'@'localhost' IDENTIFIED BY 'it\\'s';",
      "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY 'it\\'s';",
      "ALTER USER 'root'@'%' IDENTIFIED BY 'it\\'s';",
      "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;",
      '',
    ]);
    expect(renderNode(m, m.nodes[0]).text).toContain('init_file = /run/secrets/replikit-root-init.sql');
    // MySQL nodes start from a seed copy too.
    expect(plan.files.map((f) => f.path)).toEqual([
      '/etc/mysql/conf.d/replikit.cnf',
      '/run/secrets/replikit-root-password',
      '/run/secrets/replikit-root-init.sql',
      '/run/secrets/replikit-client.cnf',
    ]);
    expect(renderNode(t, replica).text).toContain('init_file = /run/secrets/replikit-root-init.sql');
  });
});

describe('secrets a container gets', () => {
  const t = parse(VALID.replace('root_password: ${ROOT_PW}', `root_password: 'a"b\\c'`));
  const node = t.nodes[0];
  it("a client option file for the server's own clients, quoted in its own syntax, readable by the server only", () => {
    const plan = containerPlan(t, node, renderNode(t, node));
    expect(plan.files.find((f) => f.path === '/run/secrets/replikit-client.cnf')).toMatchObject({
      content: '[client]\npassword="a\\"b\\\\c"\n',
      mode: 0o400,
      uid: 999,
    });
  });
  it('the TLS key only for the server, the certificates for anyone, and nothing of it in the create options', () => {
    const plan = containerPlan(t, node, renderNode(t, node), undefined, { uid: 100, gid: 101 }, { ca: 'CA', cert: 'CERT', key: 'KEY' });
    const byPath = Object.fromEntries(plan.files.map((f) => [f.path, f]));
    expect(byPath['/run/secrets/replikit-key.pem']).toMatchObject({ content: 'KEY', mode: 0o400, uid: 100, gid: 101 });
    expect(byPath['/run/secrets/replikit-cert.pem']).toMatchObject({ content: 'CERT', mode: 0o444 });
    expect(byPath['/run/secrets/replikit-ca.pem']).toMatchObject({ content: 'CA', mode: 0o444 });
    expect(JSON.stringify(plan.options)).not.toContain('KEY');
  });
});
