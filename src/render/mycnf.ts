import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import * as ini from 'ini';
import { canonicalOption, NodeSpec, SettingValue, Topology } from '../topology/types';
import { Dialect, dialectFor, guessImageVersion } from '../flavors';
import { ROOT_INIT_FILE, TLS_FILES } from '../names';

export const TEMPLATES_DIR = path.join(__dirname, '..', '..', 'templates');
/** Where the rendered file goes in the container; the official images read conf.d last. */
export const MYCNF_PATH = '/etc/mysql/conf.d/replikit.cnf';

type Section = Record<string, SettingValue | SettingValue[]>;
type Config = Record<string, Section>;

export interface RenderedNode {
  node: string;
  text: string;
  /** sha256 of the text, first 16 hex digits: a changed config is a changed hash. */
  hash: string;
}

/**
 * One node's my.cnf: base template, the profile's, then the role's template, then the topology's replication
 * settings, then the node's own `mysqld:` settings, which win. Pure: same input, same text. The
 * dialect is the image's (docker/detect-image.ts) when `up` renders, a guess from the image
 * name otherwise.
 */
export function renderNode(topology: Topology, node: NodeSpec, dialect: Dialect = dialectFor(guessImageVersion(node.image))): RenderedNode {
  const vars: Record<string, string> = {
    node: node.name,
    server_id: String(node.serverId),
    binlog_format: topology.replication.binlogFormat,
  };
  const config: Config = {};
  for (const name of ['base', `profile-${topology.profile}`, node.role]) merge(config, readTemplate(name, vars));

  const mysqld = config.mysqld;
  const r = topology.replication;
  if (r.ignoreDatabases.length) mysqld.binlog_ignore_db = r.ignoreDatabases;
  if (r.skipErrors.length) mysqld.replica_skip_errors = r.skipErrors.join(',');
  if (r.mode === 'gtid') Object.assign(mysqld, dialect.gtidSettings());
  // Every node, not only replicas: any of them may become a replica after a switchover.
  Object.assign(mysqld, dialect.parallelApplySettings(r.parallelWorkers));
  if (r.semiSync) Object.assign(mysqld, dialect.semiSyncSettings(node.role, r.semiSync));
  // In the file, not only set at run time: a restarted replica comes back read-only.
  Object.assign(mysqld, dialect.readOnlySettings(String(mysqld.read_only).toUpperCase() === 'ON'));
  // The server's own certificate, signed by the topology's CA: replicas check it (replication.tls).
  if (r.tls !== 'off') Object.assign(mysqld, { ssl_ca: TLS_FILES.ca, ssl_cert: TLS_FILES.cert, ssl_key: TLS_FILES.key });
  // Root's password is set from the topology at every start: data directories start as seed copies.
  mysqld.init_file = ROOT_INIT_FILE;
  if (mysqld.binlog_expire_logs_seconds !== undefined) {
    const seconds = Number(mysqld.binlog_expire_logs_seconds);
    delete mysqld.binlog_expire_logs_seconds;
    Object.assign(mysqld, dialect.binlogExpiry(seconds));
  }

  const translated = translate(mysqld, dialect);
  // A node's own settings win; `log-bin` and `log_bin` are the same option to mysqld.
  for (const [key, value] of Object.entries(node.mysqld)) {
    // expire_logs_days (in many a my.cnf written for mysqld) is gone from MySQL 8.4: the server's own expiry setting.
    const days = canonicalOption(key) === 'expire_logs_days' && /^\d+$/.test(String(value)) ? Number(value) : undefined;
    for (const [k, v] of Object.entries(days === undefined ? { [key]: value } : dialect.binlogExpiry(days * 86400))) {
      for (const existing of Object.keys(translated)) if (canonicalOption(existing) === canonicalOption(k)) delete translated[existing];
      translated[k] = v;
    }
  }
  config.mysqld = translated;

  const text =
    `# my.cnf for node '${node.name}' (${node.role}) of topology '${topology.name}', rendered by replikit.\n` +
    `# Dialect: ${dialect.id}. Edit the topology file, not this file.\n` +
    optionFileText(config);
  return { node: node.name, text, hash: hashOf(text) };
}

/** The profile's settings alone, in the dialect's names: what the seed data directory is made with. */
export function profileCnf(profile: Topology['profile'], dialect: Dialect): string {
  const config = readTemplate(`profile-${profile}`, {});
  config.mysqld = translate(config.mysqld ?? {}, dialect);
  return optionFileText(config);
}

/**
 * The option file's text. ini escapes `;` as `\;`, which mysqld keeps as it is; a `;` inside a
 * value is a list separator there (plugin_load_add) and a comment only at a line's start. No
 * other value can hold one: mysqld: values are checked against a pattern without it.
 */
function optionFileText(config: Config): string {
  return ini.encode(toOptionFile(config), { whitespace: true, bracketedArray: false }).replace(/\\;/g, ';');
}

/** Current MySQL names and values to the ones this server version reads. */
function translate(settings: Section, dialect: Dialect): Section {
  const out: Section = {};
  for (const [k, v] of Object.entries(settings)) {
    out[dialect.settingName(k)] = typeof v === 'string' ? dialect.settingValue(k, v) : v;
  }
  return out;
}

export function renderAll(topology: Topology): RenderedNode[] {
  return topology.nodes.map((n) => renderNode(topology, n));
}

export function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function readTemplate(name: string, vars: Record<string, string>): Config {
  const raw = fs.readFileSync(path.join(TEMPLATES_DIR, `${name}.cnf`), 'utf8');
  const filled = raw.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (!(key in vars)) throw new Error(`template ${name}.cnf uses unknown placeholder {{${key}}}`);
    return vars[key];
  });
  return ini.decode(filled) as Config;
}

function merge(into: Config, from: Config): void {
  for (const [section, settings] of Object.entries(from)) into[section] = { ...(into[section] ?? {}), ...settings };
}

/** mysqld reads ON/OFF; ini would write true/false. */
function toOptionFile(config: Config): Config {
  const out: Config = {};
  for (const [section, settings] of Object.entries(config)) {
    out[section] = {};
    for (const [k, v] of Object.entries(settings)) out[section][k] = typeof v === 'boolean' ? (v ? 'ON' : 'OFF') : v;
  }
  return out;
}
