import { beforeGtidSwitch, desiredState, withRecordedServerIds } from '../../src/plan/observe';
import { afterRoleChange } from '../../src/topology/roles';
import { reconcile, Observed, ObservedServer, Desired } from '../../src/plan/reconcile';
import { configChanges } from '../../src/plan/config-diff';
import { describe as describeOp, DISRUPTION, isContainerOperation } from '../../src/plan/operations';
import type { ReplicaStatus } from '../../src/flavors/dialect';
import { parse, VALID } from './helpers';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { topologyTls } from '../../src/tls/certificates';
import { certificateNames } from '../../src/tls/names';

const t = parse(VALID);
const desired = desiredState(t);

const container = (name: string, node: string, hash: string, state = 'running') => ({
  id: name,
  name,
  node,
  topology: 'shop',
  configHash: hash,
  state,
});

/** Replication as SHOW REPLICA STATUS reports it, running from `source`. */
function replicating(source: string, extra: Partial<ReplicaStatus & { gtid: boolean }> = {}): ObservedServer['replica'] {
  return {
    sourceHost: `shop-${source}`,
    sourcePort: 3306,
    ioRunning: 'Yes',
    sqlRunning: 'Yes',
    secondsBehind: 0,
    lastIoError: '',
    lastIoErrno: 0,
    lastSqlError: '',
    lastSqlErrno: 0,
    sourceLogFile: `${source}-bin.000001`,
    readSourceLogPos: 900,
    execSourceLogPos: 900,
    relaySourceLogFile: `${source}-bin.000001`,
    sourceServerId: 0,
    usingGtid: 'No',
    sslAllowed: 'Yes',
    sslVerify: 'Yes',
    sqlDelay: 0,
    gtid: false,
    ...extra,
  };
}

/** Everything as the topology says: the containers, their my.cnf, and each server. */
function convergedFor(d: Desired, servers: Record<string, ObservedServer>): Observed {
  return {
    network: true,
    volumes: d.nodes.map((n) => n.volume),
    images: d.images,
    containers: d.nodes.map((n) => container(n.plan.name, n.spec.name, n.plan.configHash)),
    configs: new Map(d.nodes.map((n) => [n.plan.name, n.config])),
    certificates: new Map(),
    serverIds: new Map(),
    servers: new Map(Object.entries(servers)),
  };
}

const primaryServer: ObservedServer = { readOnly: false, account: 'accepted', initDone: true };
const replicaServer = (source = 'primary', extra = {}): ObservedServer => ({
  readOnly: true,
  account: 'accepted',
  initDone: true,
  replica: replicating(source, extra),
});
const converged = convergedFor(desired, { primary: primaryServer, replica1: replicaServer() });

const lines = (d: Desired, o: Observed) => reconcile(d, o).toString().split('\n');

describe('reconcile: containers', () => {
  it('plans everything, with causes, in the order up runs it, for an empty engine; new servers get an account, a source and no read-only step', () => {
    const plan = reconcile(desired, {
      network: false,
      volumes: [],
      images: [],
      containers: [],
      configs: new Map(),
      certificates: new Map(),
      servers: new Map(),
      serverIds: new Map(),
    });
    expect(plan.toString()).toBe(
      [
        'pull-image mysql:8.0: image not present',
        'create-network shop-net: no existing network',
        'create-volume primary: no existing volume',
        'create-volume replica1: no existing volume',
        'create-container primary: no existing container',
        'create-container replica1: no existing container',
        'start-container primary: its container is new',
        'start-container replica1: its container is new',
        'create-replication-user primary: no repl@% account',
        'create-replication-user replica1: no repl@% account',
        'connect-replica replica1: new node',
      ].join('\n'),
    );
    expect([...plan.nodesStarted()]).toEqual(['primary', 'replica1']);
    // For machines: a stable reason code beside each cause, and the step of up that runs it.
    expect(plan.toJSON().operations.map((o) => `${o.kind} ${o.reason} ${o.step}`)).toEqual([
      'pull-image image_missing pull',
      'create-network network_missing storage',
      'create-volume volume_missing storage',
      'create-volume volume_missing storage',
      'create-container container_missing containers',
      'create-container container_missing containers',
      'start-container container_new start',
      'start-container container_new start',
      'create-replication-user account_missing accounts',
      'create-replication-user account_missing accounts',
      'connect-replica new_node replicas',
    ]);
    // What plan prints: each operation under the title of the step up shows it in.
    expect(plan.toText().split('\n').slice(0, 4)).toEqual([
      'Pull images',
      '  pull-image mysql:8.0: image not present',
      'Create the network and data volumes',
      '  create-network shop-net: no existing network',
    ]);
  });

  it('plans nothing when containers, files and servers match: up is idempotent', () => {
    const plan = reconcile(desired, converged);
    expect(plan.empty).toBe(true);
    expect(plan.toString()).toBe('nothing to do: containers and replication match the topology');
  });

  it('recreates only for image, address or port; starts a stopped container with its new my.cnf written first', () => {
    const moved = desiredState(parse(VALID.replace('port: 3308', 'port: 3309')));
    const observed = {
      ...convergedFor(moved, { primary: primaryServer }),
      containers: [
        container('shop-primary', 'primary', moved.nodes[0].plan.configHash, 'exited'),
        container('shop-replica1', 'replica1', desired.nodes[1].plan.configHash),
      ],
    };
    observed.configs.set('shop-primary', desired.nodes[0].config.replace('max_connections', 'max_connections'));
    expect(lines(moved, observed)).toEqual([
      `recreate-container replica1: image, address, port or placement changed (container hash ${desired.nodes[1].plan.configHash} → ${moved.nodes[1].plan.configHash})`,
      'start-container primary: container is exited',
      'start-container replica1: its container is new',
      'pending replica1: its server is not running; replication is planned once it answers',
    ]);
  });

  it('restarts a container its restart policy keeps restarting, after writing the fixed my.cnf', () => {
    const observed = {
      ...converged,
      containers: [
        container('shop-primary', 'primary', desired.nodes[0].plan.configHash),
        container('shop-replica1', 'replica1', desired.nodes[1].plan.configHash, 'restarting'),
      ],
    };
    observed.configs = new Map(observed.configs).set(
      'shop-replica1',
      desired.nodes[1].config.replace('[mysqld]\n', '[mysqld]\nno_such_server_option = 1\n'),
    );
    expect(lines(desired, observed).slice(0, 2)).toEqual([
      'write-config replica1: no_such_server_option 1 → (unset)',
      'restart-container replica1: its server keeps exiting (the container is restarting)',
    ]);
  });

  it('adds a new node without touching the others; reports orphans, and removes them only when asked', () => {
    const grown = desiredState(parse(`${VALID}  replica2:\n    role: replica\n`));
    const observed = convergedFor(desired, { primary: primaryServer, replica1: replicaServer() });
    observed.containers.push(container('shop-old', 'old', 'x'));
    const plan = reconcile(grown, observed);
    expect(plan.operations.map((o) => `${o.kind} ${'node' in o ? o.node : ''}`)).toEqual([
      'create-volume replica2',
      'create-container replica2',
      'start-container replica2',
      'create-replication-user replica2',
      'connect-replica replica2',
    ]);
    expect(plan.orphans).toEqual(['shop-old']);
    const removing = reconcile(grown, observed, { removeOrphans: true });
    expect(removing.orphans).toEqual([]);
    expect(removing.toString()).toContain('remove-orphan shop-old: its node is no longer in the topology file');
  });

  it('recreates a container that was created but never started (an up killed between create and start)', () => {
    const observed = {
      ...converged,
      servers: new Map([['replica1', replicaServer()]]),
      containers: [container('shop-primary', 'primary', desired.nodes[0].plan.configHash, 'created'), converged.containers[1]],
    };
    expect(lines(desired, observed)).toEqual([
      'recreate-container primary: created but never started (an earlier up was interrupted)',
      'start-container primary: its container is new',
      'pending primary: its server is not running; replication is planned once it answers',
    ]);
  });
});

describe('reconcile: server ids', () => {
  const [primary, replica] = t.nodes; // primary has server_id 101 in the file, replica1 none

  it('a node keeps the id its data records, whatever the file would derive now: nothing to do', () => {
    const recorded = { ...converged, serverIds: new Map([['replica1', 2]]) };
    const kept = withRecordedServerIds(t, recorded);
    expect(kept.nodes.map((n) => n.serverId)).toEqual([101, 2]);
    const d = desiredState(kept);
    // Its my.cnf holds 2 already: the rendered one is the same, so no operation.
    expect(
      reconcile(d, { ...convergedFor(d, { primary: primaryServer, replica1: replicaServer() }), serverIds: recorded.serverIds }).empty,
    ).toBe(true);
    // Without the record the derived id would be written, and the node restarted for it.
    expect(reconcile(desiredState(t), convergedFor(d, { primary: primaryServer, replica1: replicaServer() })).toString()).toMatch(
      /^restart-container replica1: server_id 2 → \d+/,
    );
  });

  it('a given server_id that differs from the one its data was made with is refused, with the way out', () => {
    const observed = {
      ...converged,
      serverIds: new Map([
        ['primary', 7],
        ['replica1', replica.serverId],
      ]),
    };
    const plan = reconcile(desiredState(withRecordedServerIds(t, observed)), observed);
    expect(plan.refused).toEqual([
      expect.stringMatching(
        /^primary: server_id 7 → 101: a node keeps the server_id its data was made with \(set server_id: 7 again, or start the node anew without its data: .*docker volume rm shop-primary-data, then put it back\)$/,
      ),
    ]);
    expect(primary.serverId).toBe(101);
  });
});

describe('reconcile: MariaDB links are by GTID in either mode', () => {
  const maria = parse(VALID.replace('image: mysql:8.0', 'image: mariadb:11.4'));
  const d = desiredState(maria);
  const bySlavePos = (source = 'primary', extra = {}) => replicaServer(source, { usingGtid: 'Slave_Pos', ...extra });

  it('position mode: a link by GTID is what the mode expects (nothing to do); one by file and offset is positioned by GTID', () => {
    expect(reconcile(d, convergedFor(d, { primary: primaryServer, replica1: bySlavePos() })).toString()).toBe(
      'nothing to do: containers and replication match the topology',
    );
    expect(lines(d, convergedFor(d, { primary: primaryServer, replica1: replicaServer() }))).toEqual([
      'position-by-gtid replica1: its position by file and offset is kept outside each transaction: a replica killed between the two applies a transaction again',
    ]);
    // MySQL keeps its applier's position in a table: its links by file and offset stay.
    expect(reconcile(desired, converged).empty).toBe(true);
  });

  it('position → gtid turns gtid_strict_mode on (set-mode) although the links are by GTID already', () => {
    const gtid = desiredState(parse(VALID.replace('image: mysql:8.0', 'image: mariadb:11.4').replace('mode: position', 'mode: gtid')));
    expect(
      lines(gtid, convergedFor(d, { primary: primaryServer, replica1: bySlavePos() })).filter((l) => !l.startsWith('write-config')),
    ).toEqual(['set-mode topology: replica1 not in GTID mode']);
    expect(reconcile(gtid, convergedFor(gtid, { primary: primaryServer, replica1: bySlavePos('primary', { gtid: true }) })).empty).toBe(
      true,
    );
  });
});

describe('reconcile: settings', () => {
  it('a dynamic setting changed: set at run time on a running node (with my.cnf), no restart', () => {
    const d = desiredState(parse(VALID.replace('max_connections: 200', 'max_connections: 300')));
    const plan = reconcile(d, convergedFor(desired, { primary: primaryServer, replica1: replicaServer() }));
    expect(plan.toString()).toBe('set-settings replica1: max_connections 200 → 300');
    expect(plan.of('set-settings')[0].settings).toEqual([{ name: 'max_connections', from: '200', to: '300' }]);
  });

  it('binlog_format changes on every node at run time', () => {
    const d = desiredState(parse(VALID.replace('binlog_format: ROW', 'binlog_format: MIXED')));
    expect(lines(d, converged)).toEqual([
      'set-settings primary: binlog_format ROW → MIXED',
      'set-settings replica1: binlog_format ROW → MIXED',
    ]);
  });

  it('a static setting added restarts that node alone; removing it restarts it again', () => {
    const added = desiredState(parse(VALID.replace('max_connections: 200', 'max_connections: 200\n      thread_stack: 512K')));
    expect(lines(added, converged)).toEqual([
      'restart-container replica1: thread_stack (unset) → 512K (thread_stack cannot change at run time)',
    ]);
    expect(lines(desired, convergedFor(added, { primary: primaryServer, replica1: replicaServer() }))).toEqual([
      'restart-container replica1: thread_stack 512K → (unset) (thread_stack cannot change at run time)',
    ]);
  });

  it('event_scheduler to or from DISABLED restarts (start-only), ON ↔ OFF is set at run time', () => {
    const withScheduler = (v: string) =>
      desiredState(parse(VALID.replace('max_connections: 200', `max_connections: 200\n      event_scheduler: ${v}`)));
    expect(lines(withScheduler('DISABLED'), converged)).toEqual([
      'restart-container replica1: event_scheduler (unset) → DISABLED (event_scheduler cannot change at run time)',
    ]);
    expect(lines(withScheduler('ON'), convergedFor(withScheduler('OFF'), { primary: primaryServer, replica1: replicaServer() }))).toEqual([
      'set-settings replica1: event_scheduler OFF → ON',
    ]);
    expect(
      lines(withScheduler('ON'), convergedFor(withScheduler('DISABLED'), { primary: primaryServer, replica1: replicaServer() }))[0],
    ).toMatch(/^restart-container replica1: event_scheduler DISABLED → ON/);
  });

  it('a dynamic setting removed goes back to the server default at run time', () => {
    const removed = desiredState(parse(VALID.replace('    mysqld:\n      max_connections: 200\n', '')));
    const plan = reconcile(removed, converged);
    expect(plan.toString()).toBe('set-settings replica1: max_connections 200 → 60');
  });

  it('reads the settings that differ from two my.cnf texts, in any spelling', () => {
    expect(
      configChanges('[mysqld]\nlog-bin = a\nmax_connections = 5\n', '[mysqld]\nlog_bin = a\nmax-connections = 6\nsync_binlog = 1\n'),
    ).toEqual([
      { name: 'max-connections', from: '5', to: '6' },
      { name: 'sync_binlog', to: '1' },
    ]);
  });
});

describe('reconcile: replication', () => {
  it('the replication password changed: every account gets it, and every replica logs in with it', () => {
    const refused: ObservedServer = { ...primaryServer, account: 'refused' };
    const plan = reconcile(desired, convergedFor(desired, { primary: refused, replica1: { ...replicaServer(), account: 'refused' } }));
    expect(plan.toString().split('\n')).toEqual([
      "set-replication-password primary: the topology's password is not accepted",
      "set-replication-password replica1: the topology's password is not accepted",
      'update-credentials replica1: password changed on primary',
    ]);
  });

  it('a replica whose login is refused gets the credentials again; a stopped one is started', () => {
    expect(
      lines(
        desired,
        convergedFor(desired, {
          primary: primaryServer,
          replica1: replicaServer('primary', { lastIoErrno: 1045, ioRunning: 'Connecting' }),
        }),
      ),
    ).toEqual(['update-credentials replica1: primary refuses its login (error 1045)']);
    expect(
      lines(desired, convergedFor(desired, { primary: primaryServer, replica1: replicaServer('primary', { sqlRunning: 'No' }) })),
    ).toEqual(['start-replica replica1: IO thread Yes, SQL thread No']);
  });

  const chainText = `${VALID}  replica2:\n    role: replica\n    source: replica1\n`;
  const chain = desiredState(parse(chainText));
  const flat = desiredState(parse(`${VALID}  replica2:\n    role: replica\n`));

  it('into a chain and back out, by file and offset: a move the positions can line up', () => {
    const now = { primary: primaryServer, replica1: replicaServer(), replica2: replicaServer() };
    expect(lines(chain, convergedFor(chain, now))).toEqual(['change-source replica2: source primary → replica1']);
    const chained = { ...now, replica2: replicaServer('replica1') };
    expect(lines(flat, convergedFor(flat, chained))).toEqual(['change-source replica2: source replica1 → primary']);
  });

  it('by file and offset, a move between unrelated nodes is refused with the way out', () => {
    const three = desiredState(parse(`${chainText}  replica3:\n    role: replica\n    source: replica2\n`));
    const now = { primary: primaryServer, replica1: replicaServer(), replica2: replicaServer(), replica3: replicaServer('replica1') };
    const plan = reconcile(three, convergedFor(three, now));
    expect(plan.refused).toEqual([
      'replica3: replicates from replica1; moving it to replica2 by file and offset needs replica2 to replicate from replica1 or the other way round (or replication.mode: gtid)',
    ]);
  });

  it('mode position → gtid: one set-mode for the topology, GTID settings written to every my.cnf; gtid → position is refused', () => {
    const gtid = desiredState(parse(VALID.replace('mode: position', 'mode: gtid')));
    expect(lines(gtid, convergedFor(desired, { primary: primaryServer, replica1: replicaServer() }))).toEqual([
      'write-config primary: enforce_gtid_consistency (unset) → ON, gtid_mode (unset) → ON',
      'write-config replica1: enforce_gtid_consistency (unset) → ON, gtid_mode (unset) → ON',
      'set-mode topology: replica1 position by file and offset',
    ]);
    const back = reconcile(desired, convergedFor(desired, { primary: primaryServer, replica1: replicaServer('primary', { gtid: true }) }));
    expect(back.refused[0]).toMatch(/^replica1: replicate by GTID; replication.mode gtid → position is not done/);
  });

  it('position → gtid with a restart in the same run: until the switch has run, the files get no GTID line', () => {
    const gtid = parse(
      VALID.replace('mode: position', 'mode: gtid').replace('max_connections: 200', 'max_connections: 200\n      thread_stack: 512K'),
    );
    const now = convergedFor(desired, { primary: primaryServer, replica1: replicaServer() });
    const full = lines(desiredState(gtid), now);
    expect(full.find((l) => l.startsWith('restart-container replica1'))).toMatch(/gtid_mode \(unset\) → ON.*thread_stack/);
    expect(full).toContain('set-mode topology: replica1 position by file and offset');
    // What up runs before the switch: replica1 restarts with thread_stack alone, no file says gtid_mode yet.
    const before = desiredState(beforeGtidSwitch(gtid));
    expect(reconcile(before, now).operations.filter(isContainerOperation).map(describeOp)).toEqual([
      'restart-container replica1: thread_stack (unset) → 512K (thread_stack cannot change at run time)',
    ]);
    expect(before.nodes.map((n) => n.config.includes('gtid_mode'))).toEqual([false, false]);
    expect(desiredState(gtid).nodes.map((n) => n.config.includes('gtid_mode'))).toEqual([true, true]);
  });

  it('after switchover --write: my.cnf follows each role, no container is recreated, no restart', () => {
    const swapped = desiredState(
      parse(
        VALID.replace('role: primary', 'role: TMP')
          .replace('role: replica\n    source: primary', 'role: primary')
          .replace('role: TMP', 'role: replica\n    source: replica1'),
      ),
    );
    const now = convergedFor(desired, {
      primary: { ...primaryServer, readOnly: true, replica: replicating('replica1') },
      replica1: { ...primaryServer },
    });
    now.containers = now.containers.map((c) => ({ ...c, configHash: swapped.nodes.find((n) => n.plan.name === c.name)!.plan.configHash }));
    expect(lines(swapped, now)).toEqual([
      // MySQL 8.0: super_read_only binds root as well.
      'write-config replica1: role replica → primary, read_only ON → OFF, super_read_only ON → OFF',
      'write-config primary: role primary → replica, read_only OFF → ON, super_read_only OFF → ON',
    ]);
  });

  it('read-only state follows the role; a primary that replicates is refused (switchover does that)', () => {
    expect(
      lines(
        desired,
        convergedFor(desired, { primary: { ...primaryServer, readOnly: true }, replica1: { ...replicaServer(), readOnly: false } }),
      ),
    ).toEqual(['set-read-only primary: the primary is read-only', 'set-read-only replica1: a replica is writable']);
    const plan = reconcile(
      desired,
      convergedFor(desired, { primary: { ...primaryServer, replica: replicating('replica1') }, replica1: replicaServer() }),
    );
    expect(plan.refused[0]).toMatch(
      /^primary: the topology makes it the primary, but it replicates from replica1; use replikit switchover primary/,
    );
  });

  it('init SQL that has not run on the primary runs; a replica that replicates from nowhere is connected', () => {
    const withInit = { ...desired, topology: { ...t, init: ['/tmp/a.sql'] } };
    expect(
      lines(
        withInit,
        convergedFor(desired, { primary: { ...primaryServer, initDone: false }, replica1: { ...replicaServer(), replica: undefined } }),
      ),
    ).toEqual(['connect-replica replica1: replicates from nowhere', 'run-init primary: init SQL has not run on this primary']);
  });

  it('a delay changed: set-delay; TLS changed: the account and the link follow; a foreign CA in a container: renewed', () => {
    const delayed = desiredState(parse(VALID.replace('    port: 3308\n', '    port: 3308\n    delay: 5s\n')));
    expect(lines(delayed, convergedFor(delayed, { primary: primaryServer, replica1: replicaServer() }))).toEqual([
      'set-delay replica1: delay 0 s → 5 s',
    ]);
    const off = desiredState(parse(VALID.replace('replication:\n', 'replication:\n  tls: off\n')));
    const now = convergedFor(off, { primary: { ...primaryServer, account: 'tls-differs' }, replica1: replicaServer() });
    expect(lines(off, now)).toEqual([
      "set-replication-password primary: the account's TLS requirement differs from replication.tls: off",
      'update-credentials replica1: TLS verify → off',
    ]);
    const withCa = {
      ...desired,
      nodes: desired.nodes.map((n) => ({
        ...n,
        plan: { ...n.plan, files: [...n.plan.files, { path: '/run/secrets/replikit-ca.pem', content: 'CA', mode: 0o444 }] },
      })),
    };
    const held = convergedFor(withCa, { primary: primaryServer, replica1: replicaServer() });
    held.certificates = new Map([
      ['shop-primary', 'CA'],
      ['shop-replica1', 'OTHER CA'],
    ]);
    expect(lines(withCa, held)).toEqual(["renew-certificates replica1: its CA is not the topology's"]);
  });

  it('a held certificate that lacks a name the node now needs (an advertise: host, an engine host) is renewed', async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-plan-tls-'));
    process.env.XDG_STATE_HOME = state;
    try {
      const [before, after] = [(await topologyTls(t, []))!, (await topologyTls(t, ['192.0.2.9']))!];
      const withTls = (tls: typeof before) => desiredState(t, new Map(), tls);
      const held = convergedFor(withTls(before), { primary: primaryServer, replica1: replicaServer() });
      held.certificates = new Map(desired.nodes.map((n) => [n.plan.name, before.ca]));
      held.certificateNames = new Map(desired.nodes.map((n) => [n.plan.name, certificateNames(before.nodes.get(n.spec.name)!.cert)]));
      // Same names, new keys and dates: nothing to do.
      expect(reconcile(withTls(before), held).empty).toBe(true);
      expect(lines(withTls(after), held)).toEqual([
        'renew-certificates primary: its certificate does not name IP Address:192.0.2.9',
        'renew-certificates replica1: its certificate does not name IP Address:192.0.2.9',
      ]);
    } finally {
      delete process.env.XDG_STATE_HOME;
      fs.rmSync(state, { recursive: true, force: true });
    }
  });

  it('documents the disruption of every kind of operation', () => {
    for (const [kind, text] of Object.entries(DISRUPTION)) expect(`${kind}: ${text}`).toMatch(/^[a-z-]+: \S/);
  });
});

describe('reconcile: a former primary back after a failover', () => {
  // The file after `failover --write`: replica1 is the primary, primary replicates from it.
  const maria = parse(VALID.replace('image: mysql:8.0', 'image: mariadb:11.4'));
  const after = afterRoleChange(maria, 'primary', 'replica1');
  const d = desiredState(after);
  const newPrimary = (extra: Partial<ObservedServer> = {}): ObservedServer => ({
    ...primaryServer,
    holdsData: true,
    gtids: '0-102-12',
    ...extra,
  });
  const fenced = (gtids: string): ObservedServer => ({ readOnly: true, account: 'accepted', initDone: true, holdsData: true, gtids });
  const record = { from: 'primary', to: 'replica1', at: '0-101-10', when: '2026-12-03T15:00:00.000Z' };

  it('holding nothing its new source lacks, it follows it in place', () => {
    const plan = reconcile(d, convergedFor(d, { replica1: newPrimary({ failover: record }), primary: fenced('0-101-10') }));
    expect(plan.toString()).toBe(
      'rejoin-replica primary: holds data and nothing replica1 lacks (the primary before the failover to replica1): it follows replica1 from where it stands',
    );
    expect(plan.refused).toEqual([]);
  });

  it('holding transactions its successor never received, it is rebuilt, naming them against the point of the promotion, its data kept', () => {
    // By sequence number alone replica1 (0-102-12) would seem to hold them: the record says where it stood.
    const observed = () => convergedFor(d, { replica1: newPrimary({ failover: record }), primary: fenced('0-101-13') });
    const plan = reconcile(d, observed());
    expect(plan.refused).toEqual([]);
    expect(plan.toString()).toMatch(
      /^rebuild-replica primary: holds 0-101-11\.\.13 \(3 transaction\(s\)\) that replica1 never received \(errant: .*\): its data is kept in volume shop-primary-data-errant-[0-9a-f]{8}, and it joins replica1 anew$/,
    );
    // The same errant transactions, the same volume: plan names it before up makes it.
    expect(reconcile(d, observed()).operations).toEqual(plan.operations);
  });

  it('by file and offset it is refused, with GTIDs as the way', () => {
    const mysql = afterRoleChange(parse(VALID), 'primary', 'replica1');
    const dm = desiredState(mysql);
    const plan = reconcile(dm, convergedFor(dm, { replica1: newPrimary({ gtids: '' }), primary: fenced('') }));
    expect(plan.refused).toEqual([expect.stringMatching(/^primary: holds data but replicates from nowhere .*replication\.mode: gtid/)]);
  });

  it('a file not edited after the failover is refused: the new primary is not made a replica again', () => {
    const before = desiredState(maria);
    const plan = reconcile(before, convergedFor(before, { replica1: newPrimary({ failover: record }), primary: fenced('0-101-10') }));
    expect(plan.refused).toContainEqual(
      expect.stringMatching(/^replica1: is the primary since a failover from primary .*replikit failover --write/),
    );
  });
});
