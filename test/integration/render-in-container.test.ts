import { containerPlan } from '../../src/docker/container-spec';
import { networkName, topologyLabels, volumeName } from '../../src/names';
import { waitForSql } from '../../src/replication/wait-for-sql';
import { profileCnf, renderNode } from '../../src/render/mycnf';
import { DataDirSeed } from '../../src/docker/seed';
import { topologyTls } from '../../src/tls/certificates';
import { cleanup, dialectOf, docker, IMAGES, readOnlyGlobals, requireEngine, ROOT_PASSWORD, simpleTopology, uniqueName } from './harness';

/** The rendered my.cnf, put into a real container of the test image, is what the server runs with. */
describe.each(IMAGES)('rendered my.cnf in a real %s container', (image) => {
  const name = uniqueName('render');
  beforeAll(requireEngine);
  afterAll(() => cleanup(name));

  it.each(['primary', 'replica1'])('the %s server runs with the rendered settings', async (nodeName) => {
    const t = simpleTopology(name, image, { replica1: undefined }, 'replication:\n  binlog_format: MIXED\n');
    const node = t.nodes.find((n) => n.name === nodeName)!;
    const dialect = await dialectOf(image);
    const rendered = renderNode(t, node, dialect);
    await docker.ensureNetwork(networkName(t), topologyLabels(t));
    await docker.ensureVolume(volumeName(t, node.name), topologyLabels(t));
    // As up does: a node's data directory starts as a copy of the seed.
    await new DataDirSeed(docker).copyInto(image, dialect, profileCnf(t.profile, dialect), [volumeName(t, node.name)]);
    // As up does: the topology's CA and the node's certificate, which the rendered my.cnf names.
    const tls = (await topologyTls(t, ['127.0.0.1']))!;
    const plan = containerPlan(t, node, rendered, dialect, undefined, { ca: tls.ca, ...tls.nodes.get(node.name)! });
    await docker.create(plan);
    await docker.start(plan.name);
    const session = await waitForSql(
      docker,
      plan.name,
      {
        node: node.name,
        host: '127.0.0.1',
        port: await docker.hostPort(plan.name),
        user: 'root',
        password: ROOT_PASSWORD,
        charset: 'utf8mb4',
      },
      { timeoutMs: 120_000 },
    );
    try {
      const row = await session.first(
        'SELECT @@server_id AS server_id, @@log_bin AS log_bin, @@log_bin_basename AS basename, @@binlog_format AS format, @@character_set_server AS charset, @@collation_server AS collation, @@read_only AS read_only, @@ssl_cert AS ssl_cert',
      );
      expect(rendered.text).toContain(`server_id = ${node.serverId}`);
      expect(row).toEqual({
        server_id: node.serverId,
        log_bin: 1,
        basename: `/var/lib/mysql/${node.name}-bin`,
        format: 'MIXED',
        charset: 'utf8mb4',
        collation: 'utf8mb4_unicode_ci',
        read_only: node.role === 'replica' ? 1 : 0,
        ssl_cert: '/run/secrets/replikit-cert.pem',
      });
      if (node.role === 'replica') {
        const r = await session.first(`SELECT @@relay_log AS relay, @@${dialect.settingName('log_replica_updates')} AS updates`);
        expect(r).toEqual({ relay: 'replica1-relay-bin', updates: 1 });
      }
      // Parallel apply, in the server's own variables (4 workers by default, commit order kept).
      const parallel = dialect.parallelApplySettings(t.replication.parallelWorkers);
      expect(Object.keys(parallel).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(parallel)) {
        const row = await session.first(`SELECT @@GLOBAL.${dialect.settingName(k)} AS v`);
        expect([k, String(row?.v).toUpperCase()]).toEqual([k, String(v === 'ON' ? 1 : v).toUpperCase()]);
      }
    } finally {
      await session.close();
    }
    // Read-only comes from the file, not only from a SET GLOBAL: a restarted replica is read-only
    // again for every account the server can bind (super_read_only where the flavour has it).
    await docker.docker.getContainer(plan.name).restart();
    const port = await docker.hostPort(plan.name);
    await (
      await waitForSql(
        docker,
        plan.name,
        { node: node.name, host: '127.0.0.1', port, user: 'root', password: ROOT_PASSWORD, charset: 'utf8mb4' },
        { timeoutMs: 120_000 },
      )
    ).close();
    const ro = await readOnlyGlobals(image, port, node.role === 'replica');
    expect(ro.actual).toEqual(ro.expected);
  });
});
