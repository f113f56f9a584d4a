import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createConnection, RowDataPacket } from 'mysql2/promise';
import { DockerEngine } from '../../src/docker/engine';
import { down } from '../../src/commands/down';
import { loadTopology } from '../../src/topology/load';
import { imageVersion } from '../../src/docker/detect-image';
import { Dialect, dialectFor } from '../../src/flavors';
import { normaliseReplicaStatus } from '../../src/flavors/dialect';
import type { Topology } from '../../src/topology/types';

/**
 * Images the integration tests run on, pinned in one place: one per flavour and version of the
 * matrix. scripts/test-env.sh builds all three offline; REPLIKIT_TEST_IMAGES overrides (e.g. with
 * mariadb:11.4,mysql:8.4 where a registry is reachable).
 */
export const IMAGES = (process.env.REPLIKIT_TEST_IMAGES ?? 'replikit/mariadb:10.11,replikit/mariadb:11.8,replikit/mysql:9.7').split(',');
export const IMAGE = IMAGES[0];

/** Passwords chosen to break naive quoting: quotes, a backslash and a dollar sign. */
export const ROOT_PASSWORD = `r'oo"t\\$HOME`;
export const REPL_PASSWORD = `re"pl'\\$1`;
export const ENV = { MYSQL_ROOT_PASSWORD: ROOT_PASSWORD, MYSQL_REPLICATION_PASSWORD: REPL_PASSWORD };

export const docker = new DockerEngine();

/** Integration tests never skip: without an engine they fail and say how to get one. */
export async function requireEngine(): Promise<void> {
  try {
    await docker.ping();
  } catch (e) {
    throw new Error(`integration tests need a Docker engine and the test images: run scripts/test-env.sh first (${(e as Error).message})`, {
      cause: e,
    });
  }
  for (const image of IMAGES) {
    if (!(await docker.hasImage(image))) throw new Error(`test image ${image} is missing: run scripts/test-env.sh`);
  }
}

let counter = 0;
/** A topology name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `rk-${prefix}-${process.pid.toString(36)}${(counter++).toString(36)}`;
}

/** Writes a topology file into a fresh temp folder and loads it with the test passwords. */
export function topology(yaml: string, extraFiles: Record<string, string> = {}): Topology {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-it-'));
  for (const [name, content] of Object.entries(extraFiles)) fs.writeFileSync(path.join(dir, name), content);
  const file = path.join(dir, 'replikit.yaml');
  fs.writeFileSync(file, yaml);
  return loadTopology(file, { env: ENV });
}

/**
 * A port-less topology (Docker picks ports) of one primary and the given replicas (name →
 * source). `extra`: top-level YAML; `nodeLines`: YAML lines added under a node (4 spaces in).
 */
export function simpleTopology(
  name: string,
  image: string,
  replicas: Record<string, string | undefined>,
  extra = '',
  nodeLines: Record<string, string> = {},
): Topology {
  const nodes = Object.entries(replicas)
    .map(([n, source]) => `  ${n}:\n    role: replica\n${source ? `    source: ${source}\n` : ''}${nodeLines[n] ?? ''}`)
    .join('');
  return topology(`version: 1
name: ${name}
image: ${image}
credentials:
  root_password: \${MYSQL_ROOT_PASSWORD}
  replication_password: \${MYSQL_REPLICATION_PASSWORD}
${extra}nodes:
  primary:
    role: primary
${nodeLines.primary ?? ''}${nodes}`);
}

/** Root SQL against a node's published port. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are whatever the query selects; tests index them freely
export async function sql<T = Record<string, any>>(port: number, query: string, values?: unknown[]): Promise<T[]> {
  const conn = await createConnection({ host: '127.0.0.1', port, user: 'root', password: ROOT_PASSWORD, charset: 'utf8mb4' });
  try {
    const [rows] = await conn.query<RowDataPacket[]>(query, values);
    return rows as T[];
  } finally {
    await conn.end();
  }
}

/** Waits until a server accepts root's SQL again (after a restart). */
export async function answers(port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await sql(port, 'SELECT 1');
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function hostPort(t: Topology, node: string): Promise<number> {
  return docker.hostPort(`${t.name}-${node}`);
}

/** Removes everything a topology created; used in afterAll so failures clean up too. */
export async function cleanup(name: string): Promise<void> {
  await down(name, { volumes: true, docker }).catch(() => undefined);
}

/** Resources carrying a topology's label, as Docker reports them. */
export async function leftovers(name: string) {
  return {
    containers: (await docker.containers(name)).map((c) => c.name),
    networks: await docker.networks(name),
    volumes: await docker.volumes(name),
  };
}

/** The dialect of the server an image runs: tests ask it for SQL instead of spelling one flavour's. */
export async function dialectOf(image: string): Promise<Dialect> {
  return dialectFor(await imageVersion(docker, image));
}

/** The primary's binary log coordinates, in the image's own statement. */
export async function binlogPosition(image: string, port: number): Promise<{ file: string; position: number }> {
  const [status] = await sql(port, (await dialectOf(image)).binlogStatus());
  return { file: String(status.File), position: Number(status.Position) };
}

/**
 * The read-only variables the image's dialect puts in a node's my.cnf (read_only, and
 * super_read_only where the flavour has it), as the server reports them, and what they should be.
 */
export async function readOnlyGlobals(image: string, port: number, on: boolean) {
  const settings = (await dialectOf(image)).readOnlySettings(on);
  const [actual] = await sql(
    port,
    `SELECT ${Object.keys(settings)
      .map((k) => `@@GLOBAL.${k} AS ${k}`)
      .join(', ')}`,
  );
  return { actual, expected: Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, v === 'ON' ? 1 : 0])) };
}

/** The replica's status with the same column names on every flavour. */
export async function replicaStatusOf(image: string, port: number) {
  const d = await dialectOf(image);
  return normaliseReplicaStatus((await sql(port, d.replicaStatus()))[0])!;
}

/** Waits until a replica has applied everything the primary has written so far. */
export async function caughtUp(primaryPort: number, replicaPort: number, image = IMAGE): Promise<void> {
  const d = await dialectOf(image);
  const at = await binlogPosition(image, primaryPort);
  const wait = d.waitForCoordinates(at, 60);
  const [res] = await sql(replicaPort, wait.sql);
  if (!wait.reached(res.result)) throw new Error(`replica on ${replicaPort} did not catch up: ${res.result}`);
}

export interface Writer {
  /** Stops writing; resolves the ids of every insert the server acknowledged as committed. */
  stop(): Promise<number[]>;
  /** Points later inserts at another port (after a switchover). */
  retarget(port: number): void;
  attempts(): number;
  /** The longest an acknowledged insert took, ms: how long writes were held at worst. */
  longestMs(): number;
}

/**
 * A steady writer, like an application: autocommit inserts one after another; an insert that
 * fails (read-only, connection lost) is not committed and the writer simply tries again.
 */
export function startWriter(port: number, table: string, user = 'root', password = ROOT_PASSWORD): Writer {
  let target = port;
  let running = true;
  let attempts = 0;
  let longest = 0;
  const committed: number[] = [];
  const loop = (async () => {
    let conn: Awaited<ReturnType<typeof createConnection>> | undefined;
    let connPort = 0;
    while (running) {
      attempts++;
      try {
        if (!conn || connPort !== target) {
          conn?.destroy();
          connPort = target;
          conn = await createConnection({ host: '127.0.0.1', port: target, user, password });
        }
        const started = Date.now();
        const [res] = await conn.query(`INSERT INTO ${table} (payload) VALUES (?)`, [`row ${attempts}`]);
        longest = Math.max(longest, Date.now() - started);
        committed.push((res as { insertId: number }).insertId);
      } catch {
        conn?.destroy();
        conn = undefined;
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    conn?.destroy();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return committed;
    },
    retarget(p: number) {
      target = p;
    },
    attempts: () => attempts,
    longestMs: () => longest,
  };
}

/** Runs `work` while the writer writes; the writer is stopped even when `work` fails. */
export async function whileWriting<T>(writer: Writer, work: () => Promise<T>): Promise<{ result: T; committed: number[] }> {
  try {
    const result = await work();
    return { result, committed: await writer.stop() };
  } finally {
    await writer.stop();
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
export { pause };

export async function checksum(port: number, table: string): Promise<{ rows: number; checksum: string }> {
  const [count] = await sql(port, `SELECT COUNT(*) AS n FROM ${table}`);
  const [sum] = await sql(port, `CHECKSUM TABLE ${table}`);
  return { rows: Number(count.n), checksum: String(sum.Checksum) };
}

/** The files in a container's /run/secrets, with their mode, owner and group (read through the Engine API). */
export async function secretFiles(container: string): Promise<Record<string, { mode: number; uid: number; gid: number }>> {
  const { extract } = await import('tar-stream');
  const stream = await docker.docker.getContainer(container).getArchive({ path: '/run/secrets' });
  const x = extract();
  stream.pipe(x);
  const out: Record<string, { mode: number; uid: number; gid: number }> = {};
  for await (const entry of x) {
    if (entry.header.type === 'file')
      out[entry.header.name.replace(/^secrets\//, '')] = {
        mode: entry.header.mode! & 0o777,
        uid: entry.header.uid!,
        gid: entry.header.gid!,
      };
    entry.resume();
  }
  return out;
}
