import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostPort, isLoopback } from './address';
import { isSwarmValue, SWARM } from './types';
import { givenServerId, RawNode, RawTopology } from './raw';
import type { Problem } from '../errors';
import type { Positions } from './positions';
import { hazardProblems } from './hazards';
import { derivedServerId } from './server-id';

/** Longest DNS label: a container name doubles as the host name replicas connect to. */
const MAX_HOSTNAME = 63;

/**
 * The rules a JSON Schema cannot express. Written defensively: it runs even when the schema
 * found problems, so that a single run reports everything.
 */
export function semanticProblems(raw: RawTopology, positions: Positions, file: string): Problem[] {
  const problems: Problem[] = [];
  const add = (p: (string | number)[], message: string, hint?: string, onKey = false) =>
    problems.push(positions.problem(p, message, hint, onKey));

  const nodes = isObject(raw.nodes) ? (Object.entries(raw.nodes).filter(([, n]) => isObject(n)) as [string, RawNode][]) : [];
  const names = new Set(nodes.map(([n]) => n));

  const primaries = nodes.filter(([, n]) => n.role === 'primary');
  if (nodes.length > 0 && primaries.length === 0) {
    add(['nodes'], 'no node has role: primary', 'give exactly one node role: primary');
  }
  for (const [name] of primaries.slice(1)) {
    add(
      ['nodes', name, 'role'],
      `a second primary ('${primaries[0][0]}' is already primary)`,
      'exactly one node is primary; make this one role: replica',
    );
  }

  if (typeof raw.image !== 'string') {
    for (const [name, n] of nodes) {
      if (n.image === undefined)
        add(['nodes', name], 'no image for this node', 'set image: at the top level or on the node, e.g. image: mysql:8.4');
    }
  }

  const serverIds = new Map<unknown, string>();
  const published = new Map<number, { bind: string; node: string }[]>();
  // Given ids first: a derived one that meets a given one is the derived node's to change.
  const given = [...nodes].sort(([, a], [, b]) => Number(givenServerId(b) !== undefined) - Number(givenServerId(a) !== undefined));
  for (const [name, n] of given) {
    const own = givenServerId(n);
    const id = own ?? (typeof raw.name === 'string' ? derivedServerId(raw.name, name) : undefined);
    const other = serverIds.get(id);
    if (id === undefined) continue;
    if (other) {
      const why =
        own !== undefined
          ? `server_id ${id} is already used by '${other}'`
          : `the server_id derived from this node's name (${id}) is already used by '${other}'`;
      add(
        ['nodes', name, ...(typeof n.server_id === 'number' ? ['server_id'] : [])],
        why,
        own !== undefined
          ? "every node needs its own server_id; omit it to have one derived from the node's name"
          : 'give this node a server_id: of its own',
      );
    } else serverIds.set(id, name);
  }
  for (const [name, n] of nodes) {
    if (typeof n.port === 'number') {
      const bind = typeof n.bind === 'string' ? n.bind : '127.0.0.1';
      const before = published.get(n.port) ?? [];
      const same = before.find((o) => o.bind === bind);
      // 0.0.0.0 (or ::) takes the port on every address, so it collides with any other bind of it.
      const wide = before.find((o) => o.bind !== bind && (isWildcard(o.bind) || isWildcard(bind)));
      const hint = 'give each node its own port, or omit port: to have Docker pick a free one';
      if (same) add(['nodes', name, 'port'], `host port ${n.port} is already used by '${same.node}'`, hint);
      if (wide)
        add(
          ['nodes', name, 'port'],
          `host port ${n.port} is also published by '${wide.node}' on ${wide.bind}, and ${isWildcard(bind) ? bind : wide.bind} takes it on every address`,
          hint,
        );
      published.set(n.port, [...before, { bind, node: name }]);
    }
    if (typeof raw.name === 'string' && `${raw.name}-${name}`.length > MAX_HOSTNAME) {
      add(
        ['nodes', name],
        `container name '${raw.name}-${name}' is longer than ${MAX_HOSTNAME} characters`,
        'shorten the topology or node name',
        true,
      );
    }
    if (n.role === 'primary' && n.delay !== undefined) {
      add(
        ['nodes', name, 'delay'],
        'the primary applies nothing from a source, so it cannot be delayed',
        'remove delay:, or put it on a replica',
      );
    }
    if (n.role === 'primary' && n.source !== undefined) {
      add(['nodes', name, 'source'], 'the primary cannot have a source', 'remove source:, or make this node role: replica');
    }
    if (n.role === 'replica' && typeof n.source === 'string') {
      if (n.source === name)
        add(['nodes', name, 'source'], 'a node cannot replicate from itself', 'name another node, or omit source: to use the primary');
      else if (!names.has(n.source)) {
        add(['nodes', name, 'source'], `no node named '${n.source}'`, `nodes are: ${[...names].join(', ')}`);
      }
    }
  }
  problems.push(...cycleProblems(nodes, positions));
  problems.push(...engineProblems(raw, nodes, positions));

  const creds = isObject(raw.credentials) ? raw.credentials : {};
  for (const key of ['root_password', 'replication_password']) {
    if (creds[key] === undefined) {
      const variable = key === 'root_password' ? 'MYSQL_ROOT_PASSWORD' : 'MYSQL_REPLICATION_PASSWORD';
      add(['credentials', key], `credentials.${key} is required`, `set it to \${${variable}} and export ${variable} or put it in .env`);
    }
  }

  if (Array.isArray(raw.init)) {
    raw.init.forEach((f, i) => {
      if (typeof f !== 'string') return;
      const abs = path.resolve(path.dirname(file), f);
      if (!fs.existsSync(abs)) add(['init', i], `no file '${f}'`, 'paths are relative to the topology file');
      else if (fs.statSync(abs).isDirectory())
        add(['init', i], `'${f}' is a folder, not a SQL file`, 'list the SQL files in it one by one');
      else if (!readable(abs)) add(['init', i], `'${f}' cannot be read`, `check its permissions (chmod a+r ${f})`);
    });
  }
  problems.push(...hazardProblems(raw, nodes, positions));
  return problems;
}

/**
 * A node's engine: names one under engines:. Across engines there is no shared network, so
 * when the nodes span several, each needs the address the others reach it by (any node can
 * become a source: switchover).
 */
function engineProblems(raw: RawTopology, nodes: [string, RawNode][], positions: Positions): Problem[] {
  const problems: Problem[] = [];
  const engines = (isObject(raw.engines) ? raw.engines : {}) as Record<string, unknown>;
  const declared = Object.keys(engines);
  const onSwarm = (n: RawNode) =>
    typeof n.engine === 'string' &&
    (n.engine in engines ? typeof engines[n.engine] === 'string' && isSwarmValue(engines[n.engine] as string) : n.engine === SWARM);
  for (const [name, n] of nodes) {
    if (Array.isArray(n.placement) && n.placement.length && !onSwarm(n)) {
      problems.push(
        positions.problem(
          ['nodes', name, 'placement'],
          'placement: places a swarm service, and this node does not run on a swarm',
          'set engine: swarm (or an engine declared as swarm:ENGINE), or remove placement:',
        ),
      );
    }
    if (typeof n.engine === 'string' && !declared.includes(n.engine) && n.engine !== SWARM) {
      const hint = declared.length
        ? `engines are: ${declared.join(', ')}`
        : "declare it under engines: (name: a docker context or an engine URL such as tcp://HOST:2376), or remove engine: to use the environment's engine";
      problems.push(positions.problem(['nodes', name, 'engine'], `no engine named '${n.engine}'`, hint));
    }
  }
  const used = [...new Set(nodes.map(([, n]) => (typeof n.engine === 'string' ? n.engine : "(the environment's)")))];
  // Swarm services reach each other on the swarm's overlay network, which containers elsewhere are not on.
  const swarm = nodes.filter(([, n]) => onSwarm(n));
  if (swarm.length && (swarm.length < nodes.length || used.length > 1)) {
    const [name, off] = swarm.length < nodes.length ? nodes.find(([, n]) => !onSwarm(n))! : swarm[1];
    problems.push(
      positions.problem(
        off.engine === undefined ? ['nodes', name] : ['nodes', name, 'engine'],
        `some nodes run on a swarm (${swarm.map(([x]) => x).join(', ')}) and others do not, or on another swarm: replikit keeps a topology's services on one swarm`,
        `put every node on the one swarm (engine: ${swarm[0][1].engine}), or none`,
      ),
    );
    return problems;
  }
  if (used.length > 1) {
    for (const [name, n] of nodes) {
      if (typeof n.advertise === 'string' && isLoopback(hostPort(n.advertise).host)) {
        problems.push(
          positions.problem(
            ['nodes', name, 'advertise'],
            `${n.advertise} is a loopback address: in a container on another engine it is that container itself`,
            "advertise an address of this node's engine host that the other engines' containers route to",
          ),
        );
      }
      if (n.advertise !== undefined) continue;
      problems.push(
        positions.problem(
          ['nodes', name],
          `the nodes run on several engines (${used.join(', ')}), and this node has no advertise: address for the others to reach it by`,
          "add advertise: HOST:PORT, an address of its engine's host that containers on the other engines can route to, with its published port (set port: and bind: to match)",
          true,
        ),
      );
    }
  }
  return problems;
}

/** Replicas whose chain of sources loops back instead of reaching the primary. */
function cycleProblems(nodes: [string, RawNode][], positions: Positions): Problem[] {
  const byName = new Map(nodes);
  const reported = new Set<string>();
  const problems: Problem[] = [];
  for (const [start] of nodes) {
    const trail: string[] = [];
    let cur: string | undefined = start;
    while (cur !== undefined && byName.has(cur) && !trail.includes(cur)) {
      trail.push(cur);
      const n: RawNode = byName.get(cur)!;
      cur = n.role === 'replica' && typeof n.source === 'string' && n.source !== cur ? n.source : undefined;
    }
    if (cur === undefined || !trail.includes(cur)) continue;
    const loop = trail.slice(trail.indexOf(cur));
    const id = [...loop].sort().join(',');
    if (reported.has(id)) continue;
    reported.add(id);
    problems.push(
      positions.problem(
        ['nodes', loop[0], 'source'],
        `sources form a cycle: ${[...loop, loop[0]].join(' → ')}`,
        'every chain of sources must end at the primary',
      ),
    );
  }
  return problems;
}

function isWildcard(bind: string): boolean {
  return bind === '0.0.0.0' || bind === '::';
}

function readable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
