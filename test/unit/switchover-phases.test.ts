import { giveWritesBack, stopWrites, SWITCHOVER_PHASES, SwitchCtx, waitApplied } from '../../src/commands/switchover-phases';
import { FailCtx, moving, pick } from '../../src/commands/failover-phases';
import { runSteps } from '../../src/run/runner';
import { FakeEngine, fakeEngines, FakeServer, fakeSession } from './fakes';
import { parse, VALID } from './helpers';

/**
 * The switchover's phases against recording SQL sessions: what each phase asks of which server,
 * in order. switchover-interrupt.test.ts and converge.test.ts prove it against real servers.
 */
function context(servers: { primary: FakeServer; replica1: FakeServer }): SwitchCtx {
  const t = parse(VALID);
  const [oldP, newP] = t.nodes;
  return {
    t,
    engines: fakeEngines(new FakeEngine()),
    sessions: new Map(Object.entries(servers).map(([node, server]) => [node, fakeSession(node, server)])),
    oldP,
    newP,
    moving: [],
    catchUpSeconds: 120,
    lockWaitSeconds: 10,
    readOnlyAt: 0,
    writableAt: 0,
    promoting: false,
    repointed: [],
  };
}

const noOut = { title: () => undefined, output: () => undefined };
const sql = (server: FakeServer) => server.statements.filter((s) => !/^SHOW (REPLICA|SLAVE) STATUS/.test(s));

describe('switchover phases', () => {
  it('stop writes → wait applied → promote → repoint: each server asked in that order, nothing else', async () => {
    // Its status is asked only once it is repointed: it answers as a running replica.
    const primary = new FakeServer().replicating().answer(/^SHOW MASTER STATUS/, [{ File: 'primary-bin.000003', Position: 900 }]);
    const replica1 = new FakeServer()
      .replicating()
      .answer(/^SHOW MASTER STATUS/, [{ File: 'replica1-bin.000002', Position: 500 }])
      .answer(/SOURCE_POS_WAIT/, [{ result: 0 }]);
    const c = context({ primary, replica1 });
    const titles: string[] = [];
    await runSteps(SWITCHOVER_PHASES.slice(1, 5), c, { events: (e) => void (e.type === 'title' && titles.push(e.title)) });
    expect(sql(primary)).toEqual([
      'SET SESSION lock_wait_timeout = 10',
      'FLUSH TABLES WITH READ LOCK',
      'SET GLOBAL read_only=ON',
      'SET GLOBAL super_read_only=ON',
      'SHOW MASTER STATUS',
      'SELECT @@GLOBAL.gtid_executed AS gtid',
      'UNLOCK TABLES',
      'STOP REPLICA',
      expect.stringMatching(
        /^CHANGE REPLICATION SOURCE TO SOURCE_HOST='shop-replica1', .*SOURCE_LOG_FILE='replica1-bin.000002', SOURCE_LOG_POS=500/,
      ),
      'START REPLICA',
      'SET GLOBAL read_only=ON',
      'SET GLOBAL super_read_only=ON',
    ]);
    expect(sql(replica1)).toEqual([
      "SELECT SOURCE_POS_WAIT('primary-bin.000003', 900, 1) AS result",
      'STOP REPLICA',
      'SHOW MASTER STATUS',
      'SELECT @@GLOBAL.gtid_executed AS gtid',
      'RESET REPLICA ALL',
      'SET GLOBAL super_read_only=OFF',
      'SET GLOBAL read_only=OFF',
    ]);
    expect(titles).toEqual([
      'Stop writes on primary: read-only at primary-bin.000003:900',
      'replica1: applied up to primary-bin.000003:900',
      'Promote replica1: writable at replica1-bin.000002:500',
    ]);
    expect([c.promoting, c.repointed, c.writableAt >= c.readOnlyAt]).toEqual([true, ['primary'], true]);
  });

  it('writes that cannot be stopped in time: the statements that hold them are named by their first word only, and read_only is never set', async () => {
    const primary = new FakeServer()
      .fail(/^FLUSH TABLES WITH READ LOCK/, 'Lock wait timeout exceeded; try restarting transaction')
      .answer(/PROCESSLIST/, [{ id: 12, user: 'app', seconds: 31, verb: 'update' }]);
    const c = context({ primary, replica1: new FakeServer() });
    const error = await stopWrites(c, noOut).catch((e) => e);
    expect(error.message).toMatch(
      /^primary: writes could not be stopped within 10 s: connection 12 \(app, 31 s\): UPDATE …: .*Lock wait timeout exceeded/,
    );
    expect(error.hint).toMatch(/^primary takes writes again; nothing was switched/);
    expect(primary.statements.some((s) => /read_only/.test(s))).toBe(false);
    expect(c.readOnlyAt).toBe(0);
  });

  it('a replica that does not reach the stop point in time fails with the point and the bound', async () => {
    const replica1 = new FakeServer().answer(/SOURCE_POS_WAIT/, [{ result: -1 }]);
    const c = {
      ...context({ primary: new FakeServer(), replica1 }),
      catchUpSeconds: 0.3,
      stoppedAt: { file: 'primary-bin.000003', position: 900 },
    };
    await expect(waitApplied(c, c.newP, noOut)).rejects.toThrow('replica1: did not apply primary-bin.000003:900 within 0.3 s');
  });

  it('stopped before the promotion, the old primary takes writes again; after it, nothing is given back', async () => {
    const primary = new FakeServer();
    const c = { ...context({ primary, replica1: new FakeServer() }), readOnlyAt: Date.now() };
    await giveWritesBack(c);
    expect(primary.statements).toEqual(['UNLOCK TABLES', 'SET GLOBAL super_read_only=OFF', 'SET GLOBAL read_only=OFF']);
    primary.statements.length = 0;
    await giveWritesBack({ ...c, promoting: true });
    expect(primary.statements).toEqual([]);
  });
});

describe('failover: picking the new primary', () => {
  const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const t = parse(VALID.replace('nodes:\n', 'nodes:\n').concat('  replica2:\n    role: replica\n    source: primary\n    port: 3309\n'));
  const [oldP, r1, r2] = t.nodes;
  const ctx = (held: Record<string, string>, extra: Partial<FailCtx> = {}): FailCtx => ({
    t: { ...t, replication: { ...t.replication, mode: 'gtid' } },
    engines: fakeEngines(new FakeEngine()),
    sessions: new Map([r1, r2].map((n) => [n.name, fakeSession(n.name, new FakeServer())])),
    oldP,
    force: false,
    applySeconds: 1,
    candidates: [r1, r2],
    held: new Map(Object.entries(held)),
    applied: new Map([r1, r2].map((n) => [n.name, { file: 'primary-bin.000001', position: 900 }])),
    oldAnswered: false,
    writableAt: 0,
    startedAt: 0,
    repointed: [],
    ...extra,
  });
  const titles: string[] = [];
  const out = { title: (t: string) => void titles.push(t), output: () => undefined };

  it('the replica that holds what the others hold, whichever the file lists first', async () => {
    const c = ctx({ replica1: `${A}:1-17`, replica2: `${A}:1-20` });
    await pick(c, out);
    expect([c.newP?.name, titles.at(-1)]).toEqual(['replica2', `Pick replica2: it holds the most (${A}:1-20)`]);
    expect(moving(c).map((n) => n.name)).toEqual(['replica1']);
  });

  it('two that each hold something the other lacks: refused, naming both, nothing picked', async () => {
    const B = '4a22fb58-82db-22f2-af44-d91bb0530673';
    const c = ctx({ replica1: `${A}:1-20`, replica2: `${A}:1-19,${B}:1-2` });
    await expect(pick(c, out)).rejects.toThrow(
      `no replica holds everything the others hold: replica1 holds ${A}:20 (1 transaction(s)) that replica2 lacks; replica2 holds ${B}:1-2 (2 transaction(s)) that replica1 lacks`,
    );
    expect(c.newP).toBeUndefined();
  });

  it('the one asked for must hold what the others hold', async () => {
    await expect(pick(ctx({ replica1: `${A}:1-17`, replica2: `${A}:1-20` }, { to: 'replica1' }), out)).rejects.toThrow(
      `replica2 holds ${A}:18-20 (3 transaction(s)) that replica1 lacks`,
    );
    const c = ctx({ replica1: `${A}:1-20`, replica2: `${A}:1-20` }, { to: 'replica1' });
    await pick(c, out);
    expect(c.newP?.name).toBe('replica1');
  });

  it('by file and offset, replicas that stand at different points are refused, with GTIDs as the way', async () => {
    const c = ctx({ replica1: '', replica2: '' }, { t });
    c.applied.set('replica2', { file: 'primary-bin.000001', position: 700 });
    await expect(pick(c, out)).rejects.toThrow(
      /by file and offset the replicas of primary cannot follow replica1 exactly: replica2 stands elsewhere/,
    );
  });
});
