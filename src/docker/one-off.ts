import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { calling } from './api-errors';
import { ArchiveFile, tarOf } from './archive';

/** A throw-away container: see runOnce. */
export interface OneOff {
  image: string;
  script: string;
  /** A fixed name lets concurrent runs see each other (a seed being built). */
  name?: string;
  hostname?: string;
  mounts?: Docker.MountSettings[];
  files?: ArchiveFile[];
  labels?: Record<string, string>;
  /** The engine's default bridge, for a helper that must reach an address; default: no network at all. */
  network?: 'bridge';
  /** Each line the script prints, as it prints it. */
  onLine?: (line: string) => void;
}

/**
 * Runs a shell script in a throw-away container of `image` with no network: `files` are put
 * in before it starts; the container is removed whatever happens. Resolves its exit code and
 * output (the last 20 lines when it failed).
 */
export async function runOnce(docker: Docker, o: OneOff): Promise<{ code: number; output: string }> {
  const container = await calling(`create a helper container of ${o.image}`, () =>
    docker.createContainer({
      ...(o.name ? { name: o.name } : {}),
      Image: o.image,
      Entrypoint: ['sh', '-c', o.script],
      Cmd: [],
      User: 'root',
      ...(o.hostname ? { Hostname: o.hostname } : {}),
      Labels: o.labels ?? {},
      HostConfig: { Mounts: o.mounts ?? [], NetworkMode: o.network ?? 'none' },
    }),
  );
  try {
    if (o.files?.length)
      await calling(`copy files into a helper of ${o.image}`, async () => container.putArchive(await tarOf(o.files!), { path: '/' }));
    // Output is read from a stream attached before the start: nothing is missed, and nothing
    // needs the container after it exits.
    const stream = await calling(`attach to a helper of ${o.image}`, () => container.attach({ stream: true, stdout: true, stderr: true }));
    const output: string[] = [];
    const lines = new PassThrough();
    let rest = '';
    const take = (line: string) => {
      output.push(line);
      if (output.length > 200) output.shift();
      o.onLine?.(line);
    };
    lines.on('data', (c: Buffer) => {
      const parts = (rest + c.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      parts.forEach(take);
    });
    const ended = new Promise<void>((resolve) =>
      stream
        .on('end', resolve)
        .on('close', resolve)
        .on('error', () => resolve()),
    );
    docker.modem.demuxStream(stream, lines, lines);
    await calling(`start a helper of ${o.image}`, () => container.start());
    const { StatusCode } = (await calling(`wait for a helper of ${o.image}`, () => container.wait())) as { StatusCode: number };
    // The stream ends with the container; the bound only guards against an engine that never says so.
    await Promise.race([ended, new Promise((r) => setTimeout(r, 2000))]);
    if (rest) take(rest);
    return { code: StatusCode, output: (StatusCode === 0 ? output : output.slice(-20)).join('\n').trimEnd() };
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}
