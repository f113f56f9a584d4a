/**
 * replikit's library API: the same pipeline the CLI runs, for scripts and CI jobs.
 *
 *   const t = loadTopology('configs/classic.yaml');
 *   const result = await up(t, { progress: 'silent' });
 *   // … tests against result.nodes[i].host/port …
 *   await down(t.name, { volumes: true });
 */
export { loadTopology, parseTopology, DEFAULT_FILE } from './topology/load';
export type { Topology, NodeSpec, Role, ReplicationMode } from './topology/types';
export { renderNode, renderAll } from './render/mycnf';
export { up } from './commands/up';
export type { UpOptions, UpResult, NodeReport } from './commands/up';
export { status, formatStatus } from './commands/status';
export type { StatusReport, NodeStatus } from './commands/status';
export { down } from './commands/down';
export { switchover } from './commands/switchover';
export { verify } from './commands/verify';
export type { VerifyOptions, VerifyReport } from './commands/verify';
export type { SwitchoverOptions, SwitchoverResult } from './commands/switchover';
export { dialectFor, parseServerVersion } from './dialects/detect';
export type { Dialect } from './dialects/dialect';
export { ReplikitError, InputError, TopologyError, NodeError, PreflightError } from './errors';
export type { Problem } from './errors';
export { DockerEngine } from './docker/engine';
