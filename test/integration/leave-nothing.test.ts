import * as fs from 'node:fs';
import { down, up } from '../../src';
import { prune } from '../../src/commands/prune';
import { lockName } from '../../src/docker/lock';
import { caKeeperName } from '../../src/docker/ca-keeper';
import { tlsStateDir } from '../../src/tls/state';
import { LABEL } from '../../src/names';
import { docker, IMAGE, leftovers, requireEngine, simpleTopology, uniqueName, cleanup } from './harness';

beforeAll(requireEngine);

describe('nothing left behind', () => {
  const name = uniqueName('gone');
  afterAll(() => cleanup(name));

  it('down --volumes removes the data, a lock a killed up left, and the topology CA', async () => {
    const t = simpleTopology(name, IMAGE, { replica1: undefined });
    await up(t, { progress: 'silent' });
    expect(fs.existsSync(tlsStateDir(name))).toBe(true);
    expect(await docker.inspect(caKeeperName(name))).toBeDefined();
    // As a killed up leaves it.
    expect(await docker.createMarker(lockName(name), IMAGE, { 'io.replikit.lock': name })).toMatch(/^[0-9a-f]{64}$/);
    const removed = await down(name, { volumes: true });
    expect(removed.removedFiles).toEqual([tlsStateDir(name)]);
    expect(await docker.inspect(lockName(name))).toBeUndefined();
    expect(await docker.inspect(caKeeperName(name))).toBeUndefined();
    expect(fs.existsSync(tlsStateDir(name))).toBe(false);
    expect(await leftovers(name)).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('prune removes the seed volumes and touches no topology; up builds the seed again', async () => {
    const t = simpleTopology(name, IMAGE, { replica1: undefined });
    await up(t, { progress: 'silent' });
    const seeds = await docker.volumesLabelled(LABEL.seed);
    expect(seeds.length).toBeGreaterThan(0);
    const r = await prune();
    expect(r.volumes.sort()).toEqual(seeds.sort());
    expect(await docker.volumesLabelled(LABEL.seed)).toEqual([]);
    expect((await leftovers(name)).volumes.length).toBe(2);
    await down(name, { volumes: true });
    await up(t, { progress: 'silent' });
    expect((await docker.volumesLabelled(LABEL.seed)).length).toBeGreaterThan(0);
  });
});
