/**
 * What `up` does, as data: each operation names its target and why it is needed. Container
 * operations need only the engine; server operations need the node's SQL connection, so they are
 * planned from what each server answers (see plan/reconcile.ts).
 */
export interface SettingChange {
  /** The setting's name in the node's my.cnf. */
  name: string;
  from?: string;
  /** Undefined when the setting was removed: the server's default applies again. */
  to?: string;
}

/**
 * Why an operation is planned, as a stable code beside its English `cause` (as terraform's
 * action reasons): scripts match on it; the cause says the same to a person, with the details.
 */
export type Reason =
  | 'image_missing'
  | 'network_missing'
  | 'volume_missing'
  | 'container_missing'
  | 'container_new'
  | 'never_started'
  | 'container_spec_changed'
  | 'config_changed'
  | 'static_setting_changed'
  | 'dynamic_setting_changed'
  | 'certificate_missing'
  | 'certificate_foreign_ca'
  | 'certificate_lacks_name'
  | 'server_keeps_exiting'
  | 'container_stopped'
  | 'swarm_files_changed'
  | 'orphan_removed'
  | 'moved_to_other_engine'
  | 'account_missing'
  | 'password_refused'
  | 'account_tls_differs'
  | 'not_in_gtid_mode'
  | 'new_node'
  | 'replicates_from_nowhere'
  | 'source_changed'
  | 'source_readdressed'
  | 'password_changed_on_source'
  | 'login_refused'
  | 'link_tls_differs'
  | 'threads_stopped'
  | 'position_outside_transaction'
  | 'delay_changed'
  | 'init_not_run'
  | 'replica_writable'
  | 'primary_read_only'
  | 'rejoins_in_place'
  | 'errant_transactions';

export type ContainerOperation =
  | { kind: 'pull-image'; image: string; cause: string; reason: Reason }
  | { kind: 'create-network'; name: string; cause: string; reason: Reason }
  | { kind: 'create-volume'; node: string; name: string; cause: string; reason: Reason }
  | { kind: 'create-container'; node: string; name: string; cause: string; reason: Reason }
  | { kind: 'recreate-container'; node: string; name: string; cause: string; reason: Reason }
  | { kind: 'write-config'; node: string; name: string; cause: string; reason: Reason }
  | { kind: 'start-container'; node: string; name: string; cause: string; reason: Reason }
  | { kind: 'restart-container'; node: string; name: string; cause: string; reason: Reason }
  | { kind: 'remove-orphan'; name: string; cause: string; reason: Reason }
  | { kind: 'remove-moved'; node: string; name: string; engine: string; cause: string; reason: Reason };

export type ServerOperation =
  | { kind: 'set-settings'; node: string; settings: SettingChange[]; cause: string; reason: Reason }
  | { kind: 'renew-certificates'; node: string; cause: string; reason: Reason }
  | { kind: 'create-replication-user'; node: string; cause: string; reason: Reason }
  | { kind: 'set-replication-password'; node: string; cause: string; reason: Reason }
  | { kind: 'set-mode'; from: 'position'; to: 'gtid'; cause: string; reason: Reason }
  | { kind: 'connect-replica'; node: string; source: string; cause: string; reason: Reason }
  | { kind: 'change-source'; node: string; from: string; to: string; cause: string; reason: Reason }
  | { kind: 'update-credentials'; node: string; source: string; cause: string; reason: Reason }
  | { kind: 'readdress-source'; node: string; source: string; cause: string; reason: Reason }
  | { kind: 'position-by-gtid'; node: string; source: string; cause: string; reason: Reason }
  | { kind: 'rejoin-replica'; node: string; source: string; cause: string; reason: Reason }
  | { kind: 'rebuild-replica'; node: string; source: string; keep: string; cause: string; reason: Reason }
  | { kind: 'start-replica'; node: string; cause: string; reason: Reason }
  | { kind: 'set-delay'; node: string; seconds: number; cause: string; reason: Reason }
  | { kind: 'run-init'; node: string; cause: string; reason: Reason }
  | { kind: 'set-read-only'; node: string; readOnly: boolean; cause: string; reason: Reason };

export type Operation = ContainerOperation | ServerOperation;
export type OperationKind = Operation['kind'];

/** When each kind of operation is planned: docs/commands.md's table is generated from it and DISRUPTION. */
export const WHEN: Record<OperationKind, string> = {
  'pull-image': 'the image is not on the engine that runs the node',
  'create-network': "the topology's network is missing",
  'create-volume': "a node's data volume is missing",
  'create-container': 'a node has no container',
  'recreate-container':
    "the image, `bind`, `port` or a swarm node's `placement:` changed (the data volume is kept), or an earlier `up` stopped between creating and starting it",
  'write-config': 'my.cnf differs only in what another operation applies (role, GTID settings), or the node is stopped',
  'start-container': 'a container is new or stopped',
  'restart-container':
    "a setting the server reads only at start changed (`thread_stack`, `innodb_log_file_size`, `event_scheduler` to or from `DISABLED`, any it does not know to be dynamic), a swarm task's files changed, or its server keeps exiting. Several nodes restart one at a time, replicas first, the primary last",
  'remove-orphan': 'with `--remove-orphans`, a container whose node left the file (without it, a warning)',
  'remove-moved': "a replica's `engine:` changed: its old container on the other engine",
  'set-settings':
    "a setting that `SET GLOBAL` changes (`binlog_format`, `max_connections`, the parallel applier, …; the list is each flavour's own) changed or was removed. The server takes the value first; my.cnf is written only once it has, so a value it refuses fails `up` naming it and stays in the plan",
  'renew-certificates': "a node's certificate is missing, not from the topology's CA, or lacks an address it is now reached at",
  'create-replication-user': 'the replication account is missing',
  'set-replication-password': "the account refuses the topology's password, or its TLS requirement differs from `replication.tls`",
  'set-mode':
    "`mode: position → gtid`: MySQL's online steps (`enforce_gtid_consistency`, `OFF_PERMISSIVE`, `ON_PERMISSIVE`, no anonymous transaction left, `ON`) on the servers that need them, then each replica positions by GTID where it stands (MariaDB: from the source's `BINLOG_GTID_POS`). `gtid → position` is refused",
  'connect-replica':
    'a replica replicates from nowhere (new): a consistent snapshot when the source has data; DDL is held from the listing of schemas until the dump has its snapshot, so a schema created meanwhile is not lost',
  'change-source':
    "`source:` changed. With GTIDs: auto-position. By file and offset: into a chain (under a sibling) both stop at one point of the old source's log; out of a chain the old source stops until the replica has applied all of it. Other moves by file and offset are refused",
  'update-credentials':
    "the source's password changed, the source refuses the replica (1045, 2061), or the link's TLS differs from `replication.tls`",
  'readdress-source': 'the source is the same node at another address (`advertise:` changed, or it moved between engines)',
  'position-by-gtid': 'a MariaDB link by file and offset (made by an earlier replikit): its position is kept outside each transaction',
  'rejoin-replica':
    'a replica that replicates from nowhere holds data (a former primary back after a failover) and nothing its source lacks; one that holds transactions its source never received (errant) is refused, naming them',
  'rebuild-replica':
    "a replica that replicates from nowhere holds transactions its source never received (errant: a former primary's un-shipped tail): its data is moved into a volume of its own, kept, and it joins anew from a snapshot",
  'start-replica': "a replica's threads are stopped",
  'set-delay': "a replica's `delay:` changed",
  'run-init': 'init SQL has not run on the primary',
  'set-read-only': 'a replica is writable, or the primary read-only',
};

/** What each kind of operation disrupts: `plan` prints it, docs/commands.md's table shows it. */
export const DISRUPTION: Record<OperationKind, string> = {
  'pull-image': 'none',
  'create-network': 'none',
  'create-volume': 'none',
  'create-container': 'none (a new node)',
  'recreate-container': 'the node is down while its container is replaced; its data volume is kept',
  'write-config': 'none: my.cnf is rewritten in place and read at the next start',
  'start-container': 'none (the node was not running)',
  'restart-container': 'the node alone restarts (a static setting changed); its replicas reconnect',
  'remove-orphan': 'the node is removed with its container; its data volume is kept',
  'remove-moved': 'none beyond the move: the node runs anew on its new engine and joins like a new node',
  'set-settings': 'none for clients: SET GLOBAL; a replica pauses its applier for the change',
  'renew-certificates': 'none: the server reloads its TLS files; connections made before keep theirs',
  'create-replication-user': 'none',
  'set-replication-password': 'none: connected replicas keep their session',
  'set-mode': 'none for clients: GTIDs are turned on step by step, each replica pauses briefly',
  'connect-replica':
    'a consistent snapshot: on the source, DDL (MariaDB) or writes (MySQL) wait while the dump starts, a fraction of a second; behind a long statement the lock is asked for a second at a time, with back-off (about a minute in all)',
  'change-source':
    'the moving replica and one neighbour (its new or its old source) pause applying until both stand at one point; writers never wait',
  'update-credentials': 'the replica pauses replication for a moment',
  'readdress-source': 'the replica pauses replication for a moment and fetches again from where it had applied',
  'position-by-gtid': 'the replica pauses for a moment and goes on from where it stands, now by GTID',
  'rejoin-replica': 'none: the former primary, read-only since it was fenced, follows its source from where it stands, by GTID',
  'rebuild-replica': 'the node is down while its data is moved aside and it joins anew; on its source, as for connect-replica',
  'start-replica': 'none',
  'set-delay': 'the replica pauses for a moment; from then on it applies changes that much later',
  'run-init': 'none',
  'set-read-only': 'writes on that node are refused (replica) or accepted (primary) from now on',
};

const CONTAINER_KINDS: readonly OperationKind[] = [
  'pull-image',
  'create-network',
  'create-volume',
  'create-container',
  'recreate-container',
  'write-config',
  'start-container',
  'restart-container',
  'remove-orphan',
  'remove-moved',
];

export function isContainerOperation(o: Operation): o is ContainerOperation {
  return CONTAINER_KINDS.includes(o.kind);
}

/** The node or resource an operation acts on, for one-line display. */
export function targetOf(o: Operation): string {
  if ('image' in o) return o.image;
  if (o.kind === 'set-mode') return 'topology';
  if ('node' in o) return o.node;
  return o.name;
}

export function describe(o: Operation): string {
  return `${o.kind} ${targetOf(o)}: ${o.cause}`;
}
