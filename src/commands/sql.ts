import { Readable } from 'node:stream';
import type { DockerEngine } from '../docker/engine';
import { rootClientCommand } from '../docker/root-client';
import { dialectFor } from '../flavors';
import { imageVersion } from '../docker/detect-image';
import { nodeContainer, TopologyRef } from './node-container';

export interface SqlOptions {
  /** One query, as `mysql -e` runs it; otherwise statements come from stdin (or the terminal). */
  execute?: string;
  docker?: DockerEngine;
  stdin?: Readable;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Attach to this terminal (interactive client); the default when stdin and stdout are terminals and no query is given. */
  interactive?: boolean;
}

/**
 * The server's own command-line client (mysql or mariadb) in a node's container, as root. The
 * password is read from the container's secret file inside the container: it is never typed,
 * never on a command line, never in this process. Resolves the client's exit code.
 */
export async function sqlClient(topology: TopologyRef, node: string, o: SqlOptions = {}): Promise<number> {
  const c = await nodeContainer(topology, node, o.docker);
  const docker = c.engine;
  const image = (await docker.inspect(c.name))!.Config.Image;
  const dialect = dialectFor(await imageVersion(docker, image));
  const [client, ...clientArgs] = dialect.clientCommand();
  const interactive = o.interactive ?? (o.execute === undefined && Boolean(process.stdin.isTTY && process.stdout.isTTY));
  if (interactive) return docker.execInteractive(c.name, rootClientCommand(dialect, [client, ...clientArgs]));

  // Batch: tab-separated rows like `mysql -B`; a table when a person reads it. The query goes in
  // on stdin, not as -e: a statement may hold a password, and argv is what ps shows.
  const format = (o.stdout ?? process.stdout) === process.stdout && process.stdout.isTTY ? ['--table'] : ['--batch'];
  const input = o.execute !== undefined ? Readable.from([`${o.execute};\n`]) : (o.stdin ?? process.stdin);
  const run = await docker.exec(c.name, rootClientCommand(dialect, [client, ...clientArgs, ...format]), input);
  run.stdout.pipe(o.stdout ?? process.stdout, { end: false });
  const code = await run.done;
  const err = run.stderr();
  if (err) (o.stderr ?? process.stderr).write(err);
  return code;
}
