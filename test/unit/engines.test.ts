import { desiredState } from '../../src/plan/observe';
import { reconcile, ObservedServer } from '../../src/plan/reconcile';
import { nodeAt, sourceAddress, sourceNode } from '../../src/replication/address';
import { sourceLink } from '../../src/replication/link';
import { preflightProblems } from '../../src/preflight/problems';
import { parse, problemsOf, VALID } from './helpers';

/** VALID over two remote engines, with every node's advertise: address. */
const SPREAD = VALID.replace('nodes:\n', 'engines:\n  a: tcp://192.0.2.4:2376\n  box: tcp://192.0.2.5:2376\nnodes:\n')
  .replace('    port: 3307\n', '    port: 3307\n    engine: a\n    bind: 192.0.2.4\n    advertise: 192.0.2.4:3307\n')
  .replace('    port: 3308\n', '    port: 3308\n    engine: box\n    advertise: 192.0.2.5:3308\n');

describe('a topology over several engines: the file', () => {
  it('a node names an engine declared under engines:', () => {
    const problems = problemsOf(SPREAD.replace('engine: box', 'engine: bxo'));
    expect(problems.map((p) => [p.path, p.message, p.hint])).toEqual([
      ['nodes.replica1.engine', "no engine named 'bxo'", 'engines are: a, box'],
    ]);
  });

  it('every node says where the other engines reach it, as HOST:PORT', () => {
    const missing = problemsOf(SPREAD.replace('    advertise: 192.0.2.4:3307\n', ''));
    expect(missing.map((p) => [p.path, p.line, p.message])).toEqual([
      [
        'nodes.primary',
        18,
        'the nodes run on several engines (a, box), and this node has no advertise: address for the others to reach it by',
      ],
    ]);
    expect(problemsOf(SPREAD.replace('advertise: 192.0.2.5:3308', 'advertise: 192.0.2.5')).map((p) => p.path)).toEqual([
      'nodes.replica1.advertise',
    ]);
    // One engine, named or not: no address needed.
    expect(
      parse(
        VALID.replace('nodes:\n', 'engines:\n  box: replikit-engine2\nnodes:\n')
          .replace('    port: 3308\n', '    port: 3308\n    engine: box\n')
          .replace('    port: 3307\n', '    port: 3307\n    engine: box\n'),
      ).nodes.map((n) => n.engine),
    ).toEqual(['box', 'box']);
  });

  it('a loopback address is refused as advertise: across engines, and an address no other engine reaches stops up', () => {
    expect(problemsOf(SPREAD.replace('advertise: 192.0.2.5:3308', 'advertise: 127.0.0.1:3308')).map((p) => [p.path, p.message])).toEqual([
      ['nodes.replica1.advertise', '127.0.0.1:3308 is a loopback address: in a container on another engine it is that container itself'],
    ]);
    const problems = preflightProblems(parse(SPREAD), {
      named: [],
      missingImages: [],
      takenPorts: [],
      unreachable: [{ node: 'primary', address: '192.0.2.4:3307', from: 'tcp://192.0.2.5:2376', error: 'no answer within 3 s' }],
    });
    expect(problems).toEqual([
      {
        node: 'primary',
        message: 'its advertise: address 192.0.2.4:3307 cannot be reached from containers on tcp://192.0.2.5:2376 (no answer within 3 s)',
        hint: "advertise an address of primary's engine host that tcp://192.0.2.5:2376's containers route to (and publish the port there with bind:), or open the way between the hosts",
      },
    ]);
  });

  it('replication in plain text between hosts is said', () => {
    const t = parse(SPREAD.replace('  charset: utf8mb4\n', '  charset: utf8mb4\n  tls: off\n'));
    expect(t.warnings).toEqual([
      'replication.tls is off while the nodes span several engines: replication traffic, passwords included, crosses between hosts in plain text',
    ]);
  });
});

describe('a topology over several engines: addresses and the plan', () => {
  const t = parse(SPREAD);
  const one = parse(VALID);

  it('a replica reaches a source on its own engine by container name, on another by its advertise: address', () => {
    expect(sourceAddress(one, 'replica1', 'primary')).toEqual({ host: 'shop-primary', port: 3306 });
    expect(sourceAddress(t, 'replica1', 'primary')).toEqual({ host: '192.0.2.4', port: 3307 });
    // After a switchover the old primary replicates from the replica: the other way across.
    expect(sourceLink(t, 'primary', 'replica1', { linkMode: (m) => m })).toMatchObject({
      host: '192.0.2.5',
      port: 3308,
      user: 'repl',
      tls: 'verify',
      mode: 'position',
    });
    expect([nodeAt(t, '192.0.2.4', 3307), nodeAt(t, 'shop-primary', 3306), nodeAt(t, '192.0.2.4', 3306)]).toEqual([
      'primary',
      'primary',
      undefined,
    ]);
  });

  it('a source at an address the file no longer gives is known by the server_id it reported (status, switchover and the plan alike)', () => {
    expect(sourceNode(t, { sourceHost: '192.0.2.4', sourcePort: 3307, sourceServerId: 0 })).toBe('primary');
    // advertise: changed: the old address, and the primary's server_id 101.
    expect(sourceNode(t, { sourceHost: '192.0.2.99', sourcePort: 3307, sourceServerId: 101 })).toBe('primary');
    expect(sourceNode(t, { sourceHost: '192.0.2.99', sourcePort: 3307, sourceServerId: 0 })).toBeUndefined();
    expect(sourceNode(t, { sourceHost: '192.0.2.99', sourcePort: 3307, sourceServerId: 7 })).toBeUndefined();
  });

  it('a replica that replicates from the advertised address is converged, and each port is published where bind: says', () => {
    const desired = desiredState(t);
    const replica = (host: string, port: number, sourceServerId = 0): ObservedServer => ({
      readOnly: true,
      account: 'accepted',
      initDone: true,
      replica: {
        sourceHost: host,
        sourcePort: port,
        ioRunning: 'Yes',
        sqlRunning: 'Yes',
        secondsBehind: 0,
        lastIoError: '',
        lastIoErrno: 0,
        lastSqlError: '',
        lastSqlErrno: 0,
        sourceLogFile: 'b.1',
        readSourceLogPos: 4,
        execSourceLogPos: 4,
        relaySourceLogFile: 'b.1',
        sourceServerId,
        usingGtid: 'No',
        sslAllowed: 'Yes',
        sslVerify: 'Yes',
        sqlDelay: 0,
        gtid: false,
      },
    });
    const observed = (r: ObservedServer) => ({
      network: true,
      volumes: desired.nodes.map((n) => n.volume),
      images: desired.images,
      containers: desired.nodes.map((n) => ({
        id: n.plan.name,
        name: n.plan.name,
        node: n.spec.name,
        topology: 'shop',
        configHash: n.plan.configHash,
        state: 'running',
      })),
      configs: new Map(desired.nodes.map((n) => [n.plan.name, n.config])),
      certificates: new Map(),
      serverIds: new Map(),
      servers: new Map<string, ObservedServer>([
        ['primary', { readOnly: false, account: 'accepted', initDone: true }],
        ['replica1', r],
      ]),
    });
    expect(reconcile(desired, observed(replica('192.0.2.4', 3307))).toString()).toBe(
      'nothing to do: containers and replication match the topology',
    );
    // advertise: changed (or the primary moved): its server_id still names the node the replica follows.
    const primaryId = t.nodes.find((n) => n.name === 'primary')!.serverId;
    expect(reconcile(desired, observed(replica('192.0.2.9', 3307, primaryId))).toString()).toBe(
      [
        'renew-certificates primary: its certificate must name 192.0.2.4, where its replicas now reach it',
        'readdress-source replica1: primary is reached at 192.0.2.4:3307, not 192.0.2.9:3307',
      ].join('\n'),
    );
    // A replica that never connected reports no server_id: an address no node has is not guessed at.
    expect(reconcile(desired, observed(replica('192.0.2.9', 3307))).refused).toEqual([
      'replica1: replicates from 192.0.2.9; moving it to primary by file and offset needs primary to replicate from 192.0.2.9 or the other way round (or replication.mode: gtid)',
    ]);
    // The published port is on the address bind: says, on each engine.
    expect(desired.nodes.map((n) => n.plan.options.HostConfig!.PortBindings!['3306/tcp'][0].HostIp)).toEqual(['192.0.2.4', '127.0.0.1']);
    expect(
      desiredState(t, new Map(), undefined, new Map([['replica1', '192.0.2.5']])).nodes[1].plan.options.HostConfig!.PortBindings![
        '3306/tcp'
      ][0].HostIp,
    ).toBe('192.0.2.5');

    // A node moved to another engine: the old container is found there and removed; a replica
    // joins anew, a primary is refused, and so is a source whose replicas go by file and offset.
    const converged = observed(replica('192.0.2.4', 3307));
    const movedAway = (node: string) => ({
      ...converged,
      misplaced: [{ ...converged.containers.find((c) => c.node === node)!, engine: 'tcp://192.0.2.9:2376' }],
    });
    expect(reconcile(desired, movedAway('replica1')).toString()).toBe(
      'remove-moved replica1: moved to engine box: its container on tcp://192.0.2.9:2376 is removed (its data volume there is kept)',
    );
    expect(reconcile(desired, movedAway('primary')).refused).toEqual([
      'primary: runs on tcp://192.0.2.9:2376; moved to engine a as the primary it would start with no data (switch over to a replica there first: replikit switchover NODE --write, then move this one as a replica)',
    ]);
    const chain = desiredState(
      parse(
        SPREAD.replace(
          'nodes:\n',
          'nodes:\n  replica2:\n    role: replica\n    source: replica1\n    engine: box\n    advertise: 192.0.2.5:3309\n    port: 3309\n',
        ),
      ),
    );
    const refusal =
      'replica1: runs on tcp://192.0.2.9:2376; moved to engine box it starts anew from a snapshot, with a binary log that holds nothing replica2 still need (point them at another source first with source:, move it, then point them back)';
    expect(reconcile(chain, { ...movedAway('replica1'), servers: new Map() }).refused).toEqual([refusal]);
    // By GTID as well: the new binary log lacks what replica2 still needs (error 1236, for good).
    const gtidChain = desiredState(
      parse(
        SPREAD.replace('mode: position', 'mode: gtid').replace(
          'nodes:\n',
          'nodes:\n  replica2:\n    role: replica\n    source: replica1\n    engine: box\n    advertise: 192.0.2.5:3309\n    port: 3309\n',
        ),
      ),
    );
    expect(reconcile(gtidChain, { ...movedAway('replica1'), servers: new Map() }).refused).toEqual([refusal]);
  });
});
