/**
 * replikit's library API: the same pipeline the CLI runs, for scripts and CI jobs. Nothing is
 * printed unless `progress` asks for it.
 *
 *   const db = await up({ image: 'mariadb:11.4', nodes: { primary: { role: 'primary' }, replica1: { role: 'replica' } } });
 *   const conn = await mysql.createConnection(db.nodes[0].connection);
 *   await conn.query('INSERT …');
 *   await waitForReplication(db);          // the replicas have it now
 *   await down(db, { volumes: true });
 */
export { loadTopology, parseTopology, DEFAULT_FILE } from './topology/load';
export { topologyFromObject, resolveTopology } from './topology/inline';
export type { TopologyInput, TopologySource } from './topology/inline';
export type { Topology, NodeSpec, Role, ReplicationMode } from './topology/types';
export { renderNode, renderAll } from './render/mycnf';
export { up } from './commands/up';
export type { UpOptions, UpResult, NodeReport } from './commands/up';
export type { ConnectionConfig } from './replication/connection';
export { plan } from './commands/plan';
export type { PlanOptions } from './commands/plan';
export { DISRUPTION } from './plan/operations';
export { Plan } from './plan/plan';
export type { Operation, OperationKind } from './plan/operations';
export { status, formatStatus } from './commands/status';
export type { StatusReport, NodeStatus } from './commands/status';
export { verify } from './commands/verify';
export type { VerifyOptions, VerifyReport } from './commands/verify';
export { waitForReplication } from './verify/wait';
export type { ReplicationTarget } from './verify/wait';
export { down } from './commands/down';
export type { DownResult, DownTarget } from './commands/down';
export { switchover } from './commands/switchover';
export { failover } from './commands/failover';
export { watch } from './commands/watch';
export type { WatchOptions, WatchEvent } from './commands/watch';
export type { FailoverOptions, FailoverResult } from './commands/failover';
export type { SwitchoverOptions, SwitchoverResult } from './commands/switchover';
export { dialectFor, parseServerVersion } from './flavors';
export type { Dialect } from './flavors/dialect';
export { ReplikitError, InputError, TopologyError, NodeError, PreflightError } from './errors';
export type { Problem } from './errors';
export { DockerEngine } from './docker/engine';
