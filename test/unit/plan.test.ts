import { desiredState } from '../../src/plan/observe';
import { reconcile, Observed } from '../../src/plan/reconcile';
import { parse, VALID } from './helpers';

const t = parse(VALID);
const desired = desiredState(t);
const running = (name: string, node: string, hash: string, state = 'running') => ({ id: name, name, node, role: node === 'primary' ? 'primary' : 'replica', topology: 'shop', configHash: hash, state });
const converged: Observed = {
  network: true,
  volumes: ['shop-primary-data', 'shop-replica1-data'],
  images: ['mysql:8.0'],
  containers: desired.nodes.map((n) => running(n.plan.name, n.plan.node, n.plan.configHash)),
};

describe('reconcile', () => {
  it('plans everything, with causes, for an empty engine', () => {
    const plan = reconcile(desired, { network: false, volumes: [], images: [], containers: [] });
    expect(plan.toString()).toBe(
      [
        'pull-image mysql:8.0: image not present',
        'create-network shop-net: no existing network',
        'create-volume shop-primary-data: no existing volume',
        'create-container shop-primary: no existing container',
        'create-volume shop-replica1-data: no existing volume',
        'create-container shop-replica1: no existing container',
      ].join('\n'),
    );
    expect([...plan.nodesTouched()]).toEqual(['primary', 'replica1']);
  });

  it('plans nothing when everything is up to date: up is idempotent', () => {
    const plan = reconcile(desired, converged);
    expect(plan.empty).toBe(true);
    expect(plan.toString()).toBe('nothing to do: every resource is up to date');
  });

  it('recreates only the container whose config changed, and starts a stopped one', () => {
    const edited = parse(VALID.replace('max_connections: 200', 'max_connections: 300'));
    const d = desiredState(edited);
    const observed = { ...converged, containers: [running('shop-primary', 'primary', d.nodes[0].plan.configHash, 'exited'), converged.containers[1]] };
    const plan = reconcile(d, observed);
    expect(plan.operations.map((o) => `${o.kind} ${'node' in o ? o.node : ''}`)).toEqual(['start-container primary', 'recreate-container replica1']);
    expect(plan.toString()).toContain(`config hash changed (${converged.containers[1].configHash} → ${d.nodes[1].plan.configHash})`);
  });

  it('adds a new node without touching the others and reports orphans without removing them', () => {
    const grown = parse(`${VALID}  replica2:\n    role: replica\n`);
    const observed = { ...converged, containers: [...converged.containers, running('shop-old', 'old', 'x')] };
    const plan = reconcile(desiredState(grown), observed);
    expect(plan.operations.map((o) => o.kind)).toEqual(['create-volume', 'create-container']);
    expect([...plan.nodesTouched()]).toEqual(['replica2']);
    expect(plan.orphans).toEqual(['shop-old']);
  });

  it('recreates a container that was created but never started (an up killed between create and start)', () => {
    const observed = { ...converged, containers: [running('shop-primary', 'primary', desired.nodes[0].plan.configHash, 'created'), converged.containers[1]] };
    expect(reconcile(desired, observed).toString()).toBe('recreate-container shop-primary: created but never started (an earlier up was interrupted)');
  });
});
