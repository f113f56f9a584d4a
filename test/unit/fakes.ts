import { Readable } from 'node:stream';
import type { DockerEngine } from '../../src/docker/engine';
import type { TopologyEngines } from '../../src/docker/engines';
import { dialectFor, parseServerVersion } from '../../src/flavors';
import type { Row } from '../../src/flavors/dialect';
import { SqlSession } from '../../src/replication/session';

/**
 * Recording fakes of the two things replikit's side effects go through: the Docker engine and a
 * SQL session. They answer what a test tells them to and record, in order, what was asked.
 */

type Answer = Row[] | ((sql: string) => Row[]);

/** A server behind a fake connection: every statement is recorded; answers match by pattern. */
export class FakeServer {
  readonly statements: string[] = [];
  private readonly answers: { pattern: RegExp; answer: Answer | Error }[] = [];

  /** Later rules win over earlier ones for the same statement. */
  answer(pattern: RegExp, answer: Answer): this {
    this.answers.unshift({ pattern, answer });
    return this;
  }
  fail(pattern: RegExp, message: string): this {
    this.answers.unshift({ pattern, answer: Object.assign(new Error(message), { code: 'ER_FAKE' }) });
    return this;
  }
  /** What SHOW REPLICA/SLAVE STATUS answers: running threads by default. */
  replicating(row: Row = {}): this {
    return this.answer(/SHOW (ALL )?(SLAVE|REPLICA)S? STATUS/i, [
      { Master_Host: 'shop-primary', Master_Port: 3306, Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', ...row },
    ]);
  }
  query(sql: string): Row[] {
    this.statements.push(sql);
    const found = this.answers.find((a) => a.pattern.test(sql));
    if (!found) return [];
    if (found.answer instanceof Error) throw found.answer;
    return typeof found.answer === 'function' ? found.answer(sql) : found.answer;
  }
}

/** A real SqlSession over a fake connection to `server`, speaking the dialect of `version`. */
export function fakeSession(node: string, server: FakeServer, version = '8.0.36'): SqlSession {
  const conn = { query: async (o: { sql: string }) => [server.query(o.sql)], end: async () => undefined, destroy: () => undefined };
  const Ctor = SqlSession as unknown as new (...a: unknown[]) => SqlSession;
  return new Ctor(node, conn, dialectFor(parseServerVersion(version)), {
    node,
    host: '127.0.0.1',
    port: 3306,
    user: 'root',
    password: 'rootpw',
  });
}

/** An engine that records each call as one line: `verb name [detail]`. */
export class FakeEngine {
  readonly calls: string[] = [];
  /** Names of networks and volumes that exist already: ensure* answers false for them. */
  readonly existing = new Set<string>();
  /** A swarm service takes files with a new task: putFiles answers true. */
  restartsOnFiles = false;
  images = new Set<string>();

  describe(): string {
    return 'the fake engine';
  }
  async ping(): Promise<void> {
    this.calls.push('ping');
  }
  async hasImage(image: string): Promise<boolean> {
    return this.images.has(image);
  }
  async pull(image: string): Promise<void> {
    this.calls.push(`pull ${image}`);
    this.images.add(image);
  }
  async ensureNetwork(name: string): Promise<boolean> {
    this.calls.push(`ensureNetwork ${name}`);
    return this.made(name);
  }
  async ensureVolume(name: string, labels: Record<string, string>): Promise<boolean> {
    this.calls.push(`ensureVolume ${name} ${JSON.stringify(labels)}`);
    return this.made(name);
  }
  async create(plan: { name: string }): Promise<void> {
    this.calls.push(`create ${plan.name}`);
  }
  async remove(name: string): Promise<void> {
    this.calls.push(`remove ${name}`);
  }
  async start(name: string): Promise<void> {
    this.calls.push(`start ${name}`);
  }
  async stop(name: string): Promise<void> {
    this.calls.push(`stop ${name}`);
  }
  async restart(name: string): Promise<void> {
    this.calls.push(`restart ${name}`);
  }
  async putFiles(name: string, files: { path: string }[]): Promise<boolean> {
    this.calls.push(`putFiles ${name} ${files.map((f) => f.path).join(' ')}`);
    return this.restartsOnFiles;
  }
  /** What each exec's command received on stdin, and the exit code and stderr the next execs give. */
  readonly execInputs: string[] = [];
  execResults: { code: number; stderr: string }[] = [];
  async exec(name: string, cmd: string[], stdin?: NodeJS.ReadableStream) {
    this.calls.push(`exec ${name} ${cmd.at(-1)}`);
    const chunks: Buffer[] = [];
    if (stdin) for await (const c of stdin) chunks.push(Buffer.from(c as Buffer));
    this.execInputs.push(Buffer.concat(chunks).toString('utf8'));
    const { code, stderr } = this.execResults.shift() ?? { code: 0, stderr: '' };
    return { stdout: Readable.from([]), stderr: () => stderr, done: Promise.resolve(code), cancel: () => undefined };
  }
  private made(name: string): boolean {
    if (this.existing.has(name)) return false;
    this.existing.add(name);
    return true;
  }
}

/** Every node on the one fake engine. */
export function fakeEngines(engine: FakeEngine): TopologyEngines {
  const e = engine as unknown as DockerEngine;
  return {
    of: () => e,
    inUse: () => [e],
    forImage: () => [e],
    holding: async () => e,
    describedAs: () => e,
    ping: () => engine.ping(),
  } as unknown as TopologyEngines;
}
