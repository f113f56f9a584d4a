import { formatStatus } from '../../src/commands/status';
import { containerPlan } from '../../src/docker/container-spec';
import { serviceSpec, swarmFileRefs } from '../../src/docker/service-spec';
import { swarmEndpoint } from '../../src/docker/swarm';
import { TopologyEngines } from '../../src/docker/engines';
import { renderNode, MYCNF_PATH } from '../../src/render/mycnf';
import { desiredState } from '../../src/plan/observe';
import { reconcile, Observed } from '../../src/plan/reconcile';
import { preflightProblems } from '../../src/preflight/problems';
import { parse, problemsOf, VALID } from './helpers';

/** VALID with every node on the environment's engine as a swarm manager. */
const SWARM = VALID.replace('    port: 3307\n', '    port: 3307\n    engine: swarm\n    placement: [node.hostname==db1]\n').replace(
  '    port: 3308\n',
  '    port: 3308\n    engine: swarm\n',
);

describe('engine: swarm in the topology', () => {
  it('needs no declaration: engines gains swarm, the environment engine as a manager', () => {
    const t = parse(SWARM);
    expect(t.engines).toEqual({ swarm: 'swarm' });
    expect(t.nodes.map((n) => [n.name, n.engine, n.placement])).toEqual([
      ['primary', 'swarm', ['node.hostname==db1']],
      ['replica1', 'swarm', []],
    ]);
    expect(t.warnings.some((w) => w.includes('publishes a port on every address of the swarm node'))).toBe(true);
  });

  it('a manager elsewhere is named swarm:URL or swarm:CONTEXT under engines:', () => {
    const t = parse(
      SWARM.replace(/engine: swarm/g, 'engine: cluster').replace(
        'nodes:\n',
        'engines:\n  cluster: swarm:tcp://manager.example:2376\nnodes:\n',
      ),
    );
    expect(t.engines).toEqual({ cluster: 'swarm:tcp://manager.example:2376' });
    expect(swarmEndpoint(t.engines.cluster)).toBe('tcp://manager.example:2376');
    expect(swarmEndpoint('swarm')).toBe('');
    expect(swarmEndpoint('tcp://manager.example:2376')).toBeUndefined();
    expect(new TopologyEngines(t).of('primary').describe()).toBe('swarm on tcp://manager.example:2376');
  });

  it('refuses a topology with some nodes on a swarm and some not, at the node off it', () => {
    const [p] = problemsOf(VALID.replace('    port: 3308\n', '    port: 3308\n    engine: swarm\n'));
    expect(p.path).toBe('nodes.primary');
    expect(p.message).toContain('some nodes run on a swarm (replica1) and others do not');
    expect(p.hint).toContain('engine: swarm');
  });

  it('refuses placement: on a node that is not on a swarm, and a constraint swarm would not read', () => {
    expect(
      problemsOf(VALID.replace('    port: 3308\n', '    port: 3308\n    placement: [node.role==manager]\n')).map((p) => [
        p.path,
        p.message,
      ]),
    ).toEqual([['nodes.replica1.placement', 'placement: places a swarm service, and this node does not run on a swarm']]);
    expect(problemsOf(SWARM.replace('node.hostname==db1', 'hostname db1'))[0].path).toBe('nodes.primary.placement.0');
  });
});

describe('a node as a swarm service', () => {
  const t = parse(SWARM.replace('root_password: ${ROOT_PW}', 'root_password: "s3cr3t-root"'));
  const [primary] = t.nodes;
  const plan = containerPlan(t, primary, renderNode(t, primary));
  const refs = swarmFileRefs(plan.name, plan.files).map((r, i) => ({ ...r, id: `id${i}` }));
  const spec = serviceSpec(plan, refs, 0);

  it('files under /run/secrets are secrets (root-only where the container had them so), my.cnf a config', () => {
    const c = spec.TaskTemplate.ContainerSpec;
    expect(c.Configs.map((x) => x.File)).toEqual([{ Name: MYCNF_PATH, UID: '0', GID: '0', Mode: 0o644 }]);
    expect(c.Secrets.map((x) => x.File.Name).sort()).toEqual(['replikit-client.cnf', 'replikit-root-init.sql', 'replikit-root-password']);
    expect(c.Secrets.find((x) => x.File.Name === 'replikit-root-password')!.File).toEqual({
      Name: 'replikit-root-password',
      UID: '999',
      GID: '999',
      Mode: 0o400,
    });
    // The spec names secrets; their content is only in the swarm's store.
    expect(JSON.stringify(spec)).not.toContain('s3cr3t-root');
    expect(c.Env).toEqual(['MYSQL_ROOT_PASSWORD_FILE=/run/secrets/replikit-root-password']);
  });

  it("a changed file is a new object (secrets cannot change); names fit the swarm's 64 characters", () => {
    const again = swarmFileRefs(
      plan.name,
      plan.files.map((f) => (f.path === MYCNF_PATH ? { ...f, content: `${f.content}# changed\n` } : f)),
    );
    const changed = again.filter((r, i) => r.name !== refs[i].name);
    expect(changed.map((r) => r.file.path)).toEqual([MYCNF_PATH]);
    const long = swarmFileRefs(`${'t'.repeat(40)}-${'n'.repeat(40)}`, plan.files);
    expect(Math.max(...long.map((r) => r.name.length))).toBeLessThanOrEqual(64);
    expect(new Set(long.map((r) => r.name)).size).toBe(plan.files.length);
  });

  it('starts with no task, is reached by name on the overlay, publishes 3306 in host mode, is placed and restarted by the swarm', () => {
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 0 } });
    expect(spec.EndpointSpec).toEqual({
      Mode: 'dnsrr',
      Ports: [{ Protocol: 'tcp', TargetPort: 3306, PublishMode: 'host', PublishedPort: 3307 }],
    });
    expect(spec.TaskTemplate.Networks).toEqual([{ Target: 'shop-net', Aliases: ['primary'] }]);
    expect(spec.TaskTemplate.Placement).toEqual({ Constraints: ['node.hostname==db1'] });
    expect(spec.TaskTemplate.RestartPolicy.Condition).toBe('any');
    expect(spec.TaskTemplate.ContainerSpec.Mounts).toEqual([
      {
        Type: 'volume',
        Source: 'shop-primary-data',
        Target: '/var/lib/mysql',
        VolumeOptions: { Labels: { 'io.replikit.topology': 'shop', 'io.replikit.node': 'primary' } },
      },
    ]);
  });
});

describe('reconcile: a swarm service takes changed files with a new task', () => {
  const converged = (d: ReturnType<typeof desiredState>, config: (name: string, text: string) => string, state = 'running'): Observed => ({
    network: true,
    volumes: d.nodes.map((n) => n.volume),
    images: d.images,
    containers: d.nodes.map((n) => ({
      id: n.plan.name,
      name: n.plan.name,
      node: n.spec.name,
      topology: 'shop',
      configHash: n.plan.configHash,
      state,
    })),
    configs: new Map(d.nodes.map((n) => [n.plan.name, config(n.spec.name, n.config)])),
    certificates: new Map(),
    serverIds: new Map(),
    servers: new Map(),
  });
  const raise = (node: string, text: string) =>
    node === 'replica1' ? text.replace('max_connections = 200', 'max_connections = 150') : text;

  it('a setting a container changes at run time restarts a running service, with why', () => {
    const plan = reconcile(desiredState(parse(SWARM)), converged(desiredState(parse(SWARM)), raise));
    expect(plan.operations.map((o) => `${o.kind} ${'node' in o ? o.node : ''}`)).toEqual(['restart-container replica1']);
    expect(plan.operations[0].cause).toBe(
      "max_connections 150 → 200 (a swarm task's files are secrets and configs: a new task takes the changed ones)",
    );
  });

  it('the same change on a plain container is set at run time; a service with no running task just gets the file', () => {
    expect(reconcile(desiredState(parse(VALID)), converged(desiredState(parse(VALID)), raise)).operations.map((o) => o.kind)).toEqual([
      'set-settings',
    ]);
    expect(
      reconcile(desiredState(parse(SWARM)), converged(desiredState(parse(SWARM)), raise, 'starting')).operations.map(
        (o) => `${o.kind} ${'node' in o ? o.node : ''}`,
      ),
    ).toEqual(['write-config replica1', 'start-container primary', 'start-container replica1']);
  });
});

describe('status on a swarm', () => {
  const node = (name: string, depth: number, swarmNode?: string) =>
    ({
      node: name,
      role: depth ? 'replica' : 'primary',
      depth,
      container: `shop-${name}`,
      state: 'running',
      ...(swarmNode ? { swarmNode } : {}),
    }) as const;

  it('names the swarm node of each task in a column of its own, only when there is one', () => {
    const onSwarm = formatStatus({ topology: 'shop', healthy: true, nodes: [node('primary', 0, 'db1'), node('replica1', 1, 'db2')] }).split(
      '\n',
    );
    expect(onSwarm[0]).toMatch(/^NODE +ROLE +STATE +SWARM NODE +ADDRESS/);
    expect(onSwarm.slice(1).map((l) => l.split(/ {2,}/).slice(0, 4))).toEqual([
      ['primary', 'primary', 'running', 'db1'],
      ['└ replica1', 'replica', 'running', 'db2'],
    ]);
    expect(formatStatus({ topology: 'shop', healthy: true, nodes: [node('primary', 0)] })).not.toContain('SWARM NODE');
  });
});

describe('preflight on a swarm', () => {
  it('stops a topology whose nodes still run as plain containers there, and says how to keep their data', () => {
    const facts = {
      named: [],
      missingImages: [],
      takenPorts: [],
      leftFromContainers: { engine: 'swarm on /var/run/docker.sock', containers: ['shop-primary', 'shop-replica1'], network: 'shop-net' },
    };
    expect(preflightProblems(parse(SWARM), facts)).toEqual([
      {
        message:
          "the topology's nodes now run on swarm on /var/run/docker.sock, where it still has container(s) shop-primary, shop-replica1 and the bridge network shop-net from before: a swarm service cannot take their names, and a server still running there holds the node's data volume",
        hint: 'remove them with the topology file as it was before engine: swarm (replikit down -f FILE, without --volumes: the data volumes stay and the services start on them), or docker rm -f / docker network rm them',
      },
    ]);
    expect(preflightProblems(parse(SWARM), { ...facts, leftFromContainers: { engine: 'swarm', containers: [] } })).toEqual([]);
  });
});
