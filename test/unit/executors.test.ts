import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execute, ExecContext, EXECUTORS } from '../../src/plan/execute';
import { desiredState } from '../../src/plan/observe';
import type { Operation, OperationKind } from '../../src/plan/operations';
import { DISRUPTION } from '../../src/plan/operations';
import { stepOf, UP_STEPS, WAITS_FOR } from '../../src/plan/steps';
import { MYCNF_PATH } from '../../src/render/mycnf';
import { NodeError } from '../../src/errors';
import { FakeEngine, fakeEngines, FakeServer, fakeSession } from './fakes';
import { parse, VALID } from './helpers';

/**
 * Each executor against a recording engine and recording SQL sessions: what it asks of Docker
 * and of each server, in order. The integration suites prove the same against real servers.
 */
function context(servers: Record<string, FakeServer> = {}) {
  const t = parse(VALID);
  const engine = new FakeEngine();
  const sessions = new Map(Object.entries(servers).map(([node, server]) => [node, fakeSession(node, server)]));
  const c: ExecContext = {
    reseed: async (node) => void engine.calls.push(`reseed ${node}`),
    reconnect: async (node) => fakeSession(node, servers[node]),
    t,
    engines: fakeEngines(engine),
    desired: desiredState(t),
    sessions,
    created: { containers: [], networks: [], volumes: [] },
  };
  return { c, engine };
}

const sql = (server: FakeServer) => server.statements.filter((s) => !/^SHOW (REPLICA|SLAVE) STATUS/.test(s));
/** An operation as reconcile plans it; what it is planned for does not change what it does. */
type Bare<O> = O extends Operation ? Omit<O, 'cause' | 'reason'> : never;
const op = (o: Bare<Operation>) => ({ ...o, cause: 'x', reason: 'new_node' }) as Operation;

describe('the step table', () => {
  it('runs every kind of operation in exactly one step, and every kind has its executor and its disruption', () => {
    const kinds = Object.keys(DISRUPTION) as OperationKind[];
    for (const kind of kinds) expect([kind, UP_STEPS.filter((s) => s.kinds.includes(kind)).length]).toEqual([kind, 1]);
    expect(Object.keys(EXECUTORS).sort()).toEqual([...kinds].sort());
    expect(UP_STEPS.flatMap((s) => s.kinds).sort()).toEqual([...kinds].sort());
  });

  it('puts containers before servers, and accounts before links, links before read-only', () => {
    const at = (k: OperationKind) => UP_STEPS.indexOf(stepOf(k));
    expect(at('create-volume')).toBeLessThan(at('create-container'));
    expect(at('create-container')).toBeLessThan(at('start-container'));
    expect(at('start-container')).toBeLessThan(at('set-settings'));
    expect(at('create-replication-user')).toBeLessThan(at('connect-replica'));
    expect(at('set-mode')).toBeLessThan(at('change-source'));
    expect(at('connect-replica')).toBeLessThan(at('set-read-only'));
    expect(stepOf('connect-replica').grouping).toBe('by-depth');
  });
});

describe('container executors', () => {
  it('create-volume labels the volume with its node and server_id, and counts it as created only when it is new', async () => {
    const { c, engine } = context();
    await execute(c, op({ kind: 'create-volume', node: 'primary', name: 'shop-primary-data' }));
    engine.existing.add('shop-replica1-data');
    await execute(c, op({ kind: 'create-volume', node: 'replica1', name: 'shop-replica1-data' }));
    expect(engine.calls[0]).toMatch(/^ensureVolume shop-primary-data .*"io.replikit.node":"primary".*"io.replikit.server-id":"101"/);
    expect(c.created.volumes).toEqual(['shop-primary-data']);
  });

  it('create-container creates from the node plan and records it; recreate removes first', async () => {
    const { c, engine } = context();
    await execute(c, op({ kind: 'create-container', node: 'primary', name: 'shop-primary' }));
    await execute(c, op({ kind: 'recreate-container', node: 'replica1', name: 'shop-replica1' }));
    expect(engine.calls).toEqual(['create shop-primary', 'remove shop-replica1', 'create shop-replica1']);
    expect(c.created.containers).toEqual(['shop-primary']);
  });

  it('write-config puts my.cnf (and the TLS files), never the password file; restart-container restarts after it, a swarm service does not', async () => {
    const { c, engine } = context();
    expect(c.desired.nodes[0].plan.files.length).toBeGreaterThan(1);
    await execute(c, op({ kind: 'write-config', node: 'primary', name: 'shop-primary' }));
    await execute(c, op({ kind: 'restart-container', node: 'replica1', name: 'shop-replica1' }));
    engine.restartsOnFiles = true;
    await execute(c, op({ kind: 'restart-container', node: 'replica1', name: 'shop-replica1' }));
    const files = MYCNF_PATH;
    expect(engine.calls).toEqual([
      `putFiles shop-primary ${files}`,
      `putFiles shop-replica1 ${files}`,
      'restart shop-replica1',
      `putFiles shop-replica1 ${files}`,
    ]);
  });

  it('start, remove-orphan and remove-moved go to the engine holding the container', async () => {
    const { c, engine } = context();
    await execute(c, op({ kind: 'start-container', node: 'primary', name: 'shop-primary' }));
    await execute(c, op({ kind: 'remove-orphan', name: 'shop-old' }));
    await execute(c, op({ kind: 'remove-moved', node: 'replica1', name: 'shop-replica1', engine: 'box' }));
    expect(engine.calls).toEqual(['start shop-primary', 'remove shop-old', 'remove shop-replica1']);
  });

  it('create-network makes it on each engine in use and records where it made it', async () => {
    const { c, engine } = context();
    await execute(c, op({ kind: 'create-network', name: 'shop-net' }));
    await execute(c, op({ kind: 'create-network', name: 'shop-net' }));
    expect(engine.calls).toEqual(['ensureNetwork shop-net', 'ensureNetwork shop-net']);
    expect(c.created.networks.map((n) => n.name)).toEqual(['shop-net']);
  });
});

describe('server executors', () => {
  it('set-settings on a replica: applier stopped, SET GLOBAL, applier started, then my.cnf, then both threads running', async () => {
    const replica = new FakeServer().replicating();
    const { c, engine } = context({ replica1: replica });
    await execute(c, op({ kind: 'set-settings', node: 'replica1', settings: [{ name: 'max_connections', from: '200', to: '300' }] }));
    expect(replica.statements.filter((s) => !/STATUS/.test(s))).toEqual([
      'STOP REPLICA',
      'SET GLOBAL max_connections = 300',
      'START REPLICA',
    ]);
    expect(engine.calls).toEqual([expect.stringMatching(/^putFiles shop-replica1 /)]);
    expect(replica.statements.at(-1)).toMatch(/STATUS/);
  });

  it('set-settings the server refuses: the error names node and value, my.cnf is not written, the applier runs again', async () => {
    const replica = new FakeServer().replicating().fail(/^SET GLOBAL/, 'Variable sql_mode cannot be set to NOT_A_MODE');
    const { c, engine } = context({ replica1: replica });
    const error = await execute(
      c,
      op({ kind: 'set-settings', node: 'replica1', settings: [{ name: 'sql_mode', to: 'NOT_A_MODE' }] }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(NodeError);
    expect(error.message).toMatch(/^replica1: the server refused sql_mode = NOT_A_MODE/);
    expect(engine.calls).toEqual([]);
    expect(replica.statements.filter((s) => !/STATUS/.test(s))).toEqual([
      'STOP REPLICA',
      "SET GLOBAL sql_mode = 'NOT_A_MODE'",
      'START REPLICA',
    ]);
  });

  it('renew-certificates writes the files, then the server reloads them', async () => {
    const primary = new FakeServer();
    const { c, engine } = context({ primary });
    await execute(c, op({ kind: 'renew-certificates', node: 'primary' }));
    expect(engine.calls).toEqual([expect.stringMatching(/^putFiles shop-primary /)]);
    expect(primary.statements).toEqual(['ALTER INSTANCE RELOAD TLS']);
  });

  it('the replication account is made without binary logging, requiring TLS', async () => {
    const primary = new FakeServer();
    const { c } = context({ primary });
    await execute(c, op({ kind: 'create-replication-user', node: 'primary' }));
    expect(primary.statements[0]).toMatch(/super_read_only|sql_log_bin=0/);
    expect(primary.statements).toContain('SET SESSION sql_log_bin=0');
    expect(primary.statements.find((s) => s.startsWith('CREATE USER'))).toMatch(
      /^CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY 'replpw' REQUIRE SSL/,
    );
    expect(primary.statements.at(-1)).toBe('SET SESSION sql_log_bin=1');
  });

  it("an operation that changes a link waits for both threads, and fails with the server's own error", async () => {
    expect(Object.keys(WAITS_FOR).sort()).toEqual([
      'change-source',
      'connect-replica',
      'position-by-gtid',
      'readdress-source',
      'rebuild-replica',
      'rejoin-replica',
      'set-delay',
      'start-replica',
      'update-credentials',
    ]);
    const replica = new FakeServer().replicating();
    const { c } = context({ replica1: replica });
    await execute(c, op({ kind: 'set-delay', node: 'replica1', seconds: 30 }));
    expect(replica.statements.slice(0, 3)).toEqual(['STOP REPLICA', 'CHANGE REPLICATION SOURCE TO SOURCE_DELAY=30', 'START REPLICA']);
    expect(replica.statements[3]).toMatch(/STATUS/);

    replica.replicating({ Slave_SQL_Running: 'No', Last_SQL_Errno: 1062, Last_SQL_Error: "Duplicate entry '1' for key 'PRIMARY'" });
    await expect(execute(c, op({ kind: 'start-replica', node: 'replica1' }))).rejects.toThrow(
      /^replica1: replication SQL thread stopped: Duplicate entry '1'/,
    );
  });

  it('update-credentials and readdress-source keep the position; change-source by GTID points anew; each then waits for the threads', async () => {
    const replica = new FakeServer().replicating({ Relay_Master_Log_File: 'primary-bin.000004', Exec_Master_Log_Pos: 777 });
    const { c } = context({ replica1: replica });
    await execute(c, op({ kind: 'update-credentials', node: 'replica1', source: 'primary' }));
    expect(sql(replica)).toEqual([
      'STOP REPLICA',
      "CHANGE REPLICATION SOURCE TO SOURCE_USER='repl', SOURCE_PASSWORD='replpw', SOURCE_SSL=1, SOURCE_SSL_CA='/run/secrets/replikit-ca.pem', SOURCE_SSL_VERIFY_SERVER_CERT=1",
      'START REPLICA',
    ]);
    expect(replica.statements.at(-1)).toMatch(/STATUS/);

    replica.statements.length = 0;
    await execute(c, op({ kind: 'readdress-source', node: 'replica1', source: 'primary' }));
    expect(sql(replica)).toEqual([
      'STOP REPLICA',
      'STOP REPLICA',
      expect.stringMatching(
        /^CHANGE REPLICATION SOURCE TO SOURCE_HOST='shop-primary', .*SOURCE_LOG_FILE='primary-bin.000004', SOURCE_LOG_POS=777/,
      ),
      'START REPLICA',
    ]);

    replica.statements.length = 0;
    const gtid = { ...c, t: { ...c.t, replication: { ...c.t.replication, mode: 'gtid' as const } } };
    await execute(gtid, op({ kind: 'change-source', node: 'replica1', from: 'replica2', to: 'primary' }));
    expect(sql(replica)).toEqual([
      'STOP REPLICA',
      expect.stringMatching(/^CHANGE REPLICATION SOURCE TO SOURCE_HOST='shop-primary', .*SOURCE_AUTO_POSITION=1/),
      'START REPLICA',
    ]);
  });

  it('position-by-gtid (MariaDB): the replica goes on by GTID from where it stands, as its source names that point', async () => {
    const replica = new FakeServer().replicating({
      Relay_Master_Log_File: 'primary-bin.000004',
      Exec_Master_Log_Pos: 777,
      Using_Gtid: 'No',
    });
    const primary = new FakeServer().answer(/BINLOG_GTID_POS/, [{ gtid: '0-101-42' }]);
    const { c } = context();
    c.sessions.set('replica1', fakeSession('replica1', replica, '10.11.6-MariaDB'));
    c.sessions.set('primary', fakeSession('primary', primary, '10.11.6-MariaDB'));
    await execute(c, op({ kind: 'position-by-gtid', node: 'replica1', source: 'primary' }));
    expect(primary.statements).toEqual(["SELECT BINLOG_GTID_POS('primary-bin.000004', 777) AS gtid"]);
    expect(sql(replica)).toEqual([
      'STOP SLAVE',
      "SET GLOBAL gtid_slave_pos = '0-101-42'",
      'CHANGE MASTER TO MASTER_USE_GTID=slave_pos',
      'START SLAVE',
    ]);
  });

  it('rejoin-replica (MariaDB): a former primary goes on by GTID from all it holds, its own writes included', async () => {
    const old = new FakeServer().replicating();
    const { c } = context();
    c.sessions.set('primary', fakeSession('primary', old, '10.11.6-MariaDB'));
    await execute(c, op({ kind: 'rejoin-replica', node: 'primary', source: 'replica1' }));
    expect(sql(old)).toEqual([
      'SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_binlog_pos',
      'STOP SLAVE',
      expect.stringMatching(/^CHANGE MASTER TO MASTER_HOST='shop-replica1', .*MASTER_USE_GTID=slave_pos/),
      'START SLAVE',
    ]);
  });

  it('rebuild-replica: stopped, its data moved whole into the kept volume (never counted as made by this run), seeded anew, started, joined', async () => {
    const schemas = [{ name: 'mysql' }];
    const old = new FakeServer().answer(/SCHEMATA/, schemas).replicating();
    const primary = new FakeServer()
      .answer(/SCHEMATA/, schemas)
      .answer(/^SHOW MASTER STATUS/, [{ File: 'replica1-bin.000001', Position: 4 }]);
    const { c, engine } = context({ primary: old, replica1: primary });
    const moves: string[] = [];
    (
      engine as unknown as { runOnce: (o: { script: string; mounts: { Source: string }[] }) => Promise<{ code: number; output: string }> }
    ).runOnce = async (o) => {
      moves.push(`${o.script} ${o.mounts.map((m) => m.Source).join(' ')}`);
      return { code: 0, output: '' };
    };
    const detail = await execute(
      c,
      op({ kind: 'rebuild-replica', node: 'primary', source: 'replica1', keep: 'shop-primary-data-errant-1' }),
    );
    expect(engine.calls).toEqual([
      'stop shop-primary',
      expect.stringMatching(/^ensureVolume shop-primary-data-errant-1 .*"io.replikit.kept-from":"primary"/),
      'reseed primary',
      'start shop-primary',
    ]);
    expect(moves).toEqual(['cp -a /from/. /to/ && find /from -mindepth 1 -delete shop-primary-data shop-primary-data-errant-1']);
    expect(c.created.volumes).toEqual([]);
    expect(detail).toBe('its former data kept in volume shop-primary-data-errant-1; replicating from replica1 at replica1-bin.000001:4');
  });

  it('pull-image pulls on each engine that lacks the image, and only there', async () => {
    const { c, engine } = context();
    await execute(c, op({ kind: 'pull-image', image: 'mysql:8.0' }));
    await execute(c, op({ kind: 'pull-image', image: 'mysql:8.0' }));
    expect(engine.calls).toEqual(['pull mysql:8.0']);
  });

  it('set-replication-password sets the account again, as create-replication-user does', async () => {
    const primary = new FakeServer();
    const { c } = context({ primary });
    await execute(c, op({ kind: 'set-replication-password', node: 'primary' }));
    expect(primary.statements.find((s) => s.startsWith('ALTER USER'))).toMatch(/^ALTER USER 'repl'@'%' IDENTIFIED BY 'replpw' REQUIRE SSL/);
  });

  it("run-init: each file goes to the server's own client on stdin, then the marker row; a failing file is named with its line", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-init-'));
    const files = ['a.sql', 'b.sql'].map(
      (f, i) => (fs.writeFileSync(path.join(dir, f), `CREATE TABLE t${i} (id INT);\n`), path.join(dir, f)),
    );
    const primary = new FakeServer();
    const { c, engine } = context({ primary });
    const init = { ...c, t: { ...c.t, init: files } };
    await execute(init, op({ kind: 'run-init', node: 'primary' }));
    expect(engine.calls).toEqual(['exec shop-primary --batch', 'exec shop-primary --batch']);
    expect(engine.execInputs).toEqual(['CREATE TABLE t0 (id INT);\n', 'CREATE TABLE t1 (id INT);\n']);
    expect(primary.statements.at(-1)).toBe("INSERT INTO replikit.meta (name, value) VALUES ('init', ?)");

    primary.statements.length = 0;
    engine.execResults = [{ code: 1, stderr: 'ERROR 1064 (42000) at line 1: You have an error in your SQL syntax' }];
    await expect(execute(init, op({ kind: 'run-init', node: 'primary' }))).rejects.toThrow(
      `init SQL failed: ${files[0]}:1: error 1064: You have an error`,
    );
    expect(primary.statements).toEqual([]);
  });

  it('set-mode: every server takes the online steps together, replicas catch up, then position by GTID; only then are the GTID lines written to the files', async () => {
    const primary = new FakeServer().answer(/^SHOW MASTER STATUS/, [{ File: 'primary-bin.000001', Position: 400 }]);
    const replica = new FakeServer()
      .replicating({ Relay_Master_Log_File: 'primary-bin.000001', Exec_Master_Log_Pos: 400 })
      .answer(/SOURCE_POS_WAIT/, [{ result: 0 }]);
    for (const server of [primary, replica])
      server.answer(/@@GLOBAL.gtid_mode|ONGOING_ANONYMOUS/i, (sql) => [/ONGOING/i.test(sql) ? { Value: 0 } : { enabled: 0 }]);
    const { c, engine } = context({ primary, replica1: replica });
    const gtid = parse(VALID.replace('mode: position', 'mode: gtid'));
    const run = { ...c, afterGtidSwitch: desiredState(gtid) };
    const sqlDone: number[] = [];
    const at = () => sqlDone.push(primary.statements.length + replica.statements.length);
    const put = engine.putFiles.bind(engine);
    engine.putFiles = async (name, files) => (at(), put(name, files));
    await execute(run, op({ kind: 'set-mode', from: 'position', to: 'gtid' }));
    const online = fakeSession('x', new FakeServer()).dialect.gtidOnline();
    // Each phase on both servers before the next; finish only after the replica applied its source's log.
    const phases = (server: FakeServer) => server.statements.filter((s) => online.phases.flat().includes(s) || online.finish.includes(s));
    expect(phases(primary)).toEqual([...online.phases.flat(), ...online.finish]);
    expect(phases(replica)).toEqual([...online.phases.flat(), ...online.finish]);
    const r = replica.statements;
    expect(r.indexOf(r.find((s) => /SOURCE_POS_WAIT/.test(s))!)).toBeLessThan(r.indexOf(online.finish[0]));
    expect(r.slice(r.lastIndexOf('STOP REPLICA'))).toEqual([
      'STOP REPLICA',
      'SHOW REPLICA STATUS',
      'CHANGE REPLICATION SOURCE TO SOURCE_AUTO_POSITION=1',
      'START REPLICA',
    ]);
    // The files: both nodes', with the GTID lines, after the last statement.
    expect(engine.calls).toEqual([expect.stringMatching(/^putFiles shop-primary /), expect.stringMatching(/^putFiles shop-replica1 /)]);
    expect(sqlDone).toEqual([primary.statements.length + replica.statements.length, primary.statements.length + replica.statements.length]);
    expect(run.desired).toBe(run.afterGtidSwitch);
  });

  it('connect-replica: a source without data is joined at its coordinates; a replica holding data of its own is refused, untouched', async () => {
    const schemas = (names: string[]) => names.map((name) => ({ name }));
    const primary = new FakeServer()
      .answer(/SCHEMATA/, schemas(['mysql', 'information_schema', 'performance_schema', 'sys']))
      .answer(/^SHOW MASTER STATUS/, [{ File: 'primary-bin.000002', Position: 157 }]);
    const replica = new FakeServer().answer(/SCHEMATA/, schemas(['mysql', 'sys'])).replicating();
    const { c } = context({ primary, replica1: replica });
    expect(await execute(c, op({ kind: 'connect-replica', node: 'replica1', source: 'primary' }))).toBe(
      'replicating from primary at primary-bin.000002:157',
    );
    expect(sql(replica).slice(1)).toEqual([
      'STOP REPLICA',
      expect.stringMatching(/SOURCE_LOG_FILE='primary-bin.000002', SOURCE_LOG_POS=157/),
      'START REPLICA',
    ]);
    expect(replica.statements.at(-1)).toMatch(/STATUS/);

    replica.statements.length = 0;
    replica.answer(/SCHEMATA/, schemas(['mysql', 'shop']));
    await expect(execute(c, op({ kind: 'connect-replica', node: 'replica1', source: 'primary' }))).rejects.toThrow(
      'replica1: holds data (shop) but replicates from nowhere',
    );
    expect(replica.statements).toEqual(['SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA']);
  });

  it('covers every kind of operation', () => {
    // The snapshot join itself (connect-replica from a source with data) needs two servers: join-race.test.ts and snapshot-stall.test.ts prove it.
    const tested = [...fs.readFileSync(__filename, 'utf8').matchAll(/kind: '([a-z-]+)'/g)].map((m) => m[1]);
    expect(Object.keys(EXECUTORS).filter((k) => !tested.includes(k))).toEqual([]);
  });

  it('set-read-only: read-only for every account on a replica, writable on the primary', async () => {
    const primary = new FakeServer();
    const replica = new FakeServer();
    const { c } = context({ primary, replica1: replica });
    await execute(c, op({ kind: 'set-read-only', node: 'replica1', readOnly: true }));
    await execute(c, op({ kind: 'set-read-only', node: 'primary', readOnly: false }));
    expect(replica.statements).toEqual(['SET GLOBAL read_only=ON', 'SET GLOBAL super_read_only=ON']);
    expect(primary.statements).toEqual(['SET GLOBAL super_read_only=OFF', 'SET GLOBAL read_only=OFF']);
  });
});
