import type Docker from 'dockerode';
import { PassThrough, Readable, Writable } from 'node:stream';
import { calling } from './api-errors';

/**
 * Streams of the Engine API: a command run in a container (its input streamed in, its output
 * streamed out with backpressure), a terminal attached to one, and container logs.
 */

/** A command running in a container: its output, its exit code once it ends. */
export interface ExecRun {
  stdout: Readable;
  stderr: () => string;
  done: Promise<number>;
  cancel: () => void;
}

/**
 * Runs a command in a container. `stdin`, when given, is streamed to the command; stdout is
 * returned as a stream. Resolves the exit code when `done` settles.
 */
export async function execIn(container: Docker.Container, name: string, cmd: string[], stdin?: Readable): Promise<ExecRun> {
  const exec = await calling(`exec in ${name}`, () =>
    container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, AttachStdin: Boolean(stdin) }),
  );
  const stream = await calling(`exec in ${name}`, () => exec.start({ hijack: true, stdin: Boolean(stdin) }));
  const stdout = new PassThrough();
  const stderrOut = new PassThrough();
  let stderrText = '';
  stderrOut.on('data', (c: Buffer) => (stderrText = (stderrText + c.toString()).slice(-4000)));
  // Not modem.demuxStream: it writes on whatever the reader's pace, so a dump read faster
  // than the other side loads it would pile up in this process (815 MiB for a 1 GiB join).
  stream.pipe(demuxer(stdout, stderrOut));
  if (stdin) {
    // pipe() respects backpressure and half-closes the socket at the end, which the command sees as EOF.
    stdin.pipe(stream);
    stdin.on('error', (e) => stream.destroy(e));
  }
  const done = new Promise<number>((resolve, reject) => {
    stream.on('end', async () => {
      stdout.end();
      try {
        resolve((await exec.inspect()).ExitCode ?? -1);
      } catch (e) {
        reject(e);
      }
    });
    stream.on('error', reject);
  });
  // Closing the socket ends the command's input and output: it sees EOF, or dies writing.
  return { stdout, stderr: () => stderrText, done, cancel: () => stream.destroy() };
}

/**
 * Runs a command in a container attached to this terminal (raw mode, resized with it), as
 * `docker exec -it` does. Resolves its exit code.
 */
export async function execAttached(container: Docker.Container, name: string, cmd: string[]): Promise<number> {
  const exec = await calling(`exec in ${name}`, () =>
    container.exec({
      Cmd: cmd,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      Env: [`TERM=${process.env.TERM ?? 'xterm'}`],
    }),
  );
  const stream = await calling(`exec in ${name}`, () => exec.start({ hijack: true, stdin: true, Tty: true }));
  const resize = () => exec.resize({ h: process.stdout.rows ?? 24, w: process.stdout.columns ?? 80 }).catch(() => undefined);
  const stdin = process.stdin;
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.pipe(stream);
  stream.pipe(process.stdout);
  process.stdout.on('resize', resize);
  await resize();
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
    });
  } finally {
    process.stdout.off('resize', resize);
    stdin.unpipe(stream);
    stdin.setRawMode?.(false);
    stdin.pause();
  }
  return (await exec.inspect()).ExitCode ?? 1;
}

/** Streams a container's log to these streams, following it with `follow` until it stops. */
export async function streamLogs(
  modem: Docker['modem'],
  container: Docker.Container,
  name: string,
  o: { follow: boolean; tail?: number },
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<void> {
  const opts = { stdout: true, stderr: true, timestamps: false, ...(o.tail !== undefined ? { tail: o.tail } : {}) };
  if (!o.follow) {
    const buf = (await calling(`read the log of ${name}`, () => container.logs({ ...opts, follow: false }))) as unknown as Buffer;
    out.write(demux(buf));
    return;
  }
  const stream = await calling(`follow the log of ${name}`, () => container.logs({ ...opts, follow: true }));
  modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
}

/**
 * Splits the Engine API's multiplexed exec stream (8-byte frame headers: stream, size) into
 * stdout and stderr, and asks for more only when stdout has taken what it was given: the
 * backpressure of whoever reads stdout reaches the socket, and so the command in the container.
 */
function demuxer(stdout: PassThrough, stderr: PassThrough): Writable {
  let pending: Buffer = Buffer.alloc(0);
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let ready = true;
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        const payload = pending.subarray(8, 8 + size);
        if (pending[0] === 2) stderr.write(payload);
        else ready = stdout.write(payload) && ready;
        pending = pending.subarray(8 + size);
      }
      if (ready) done();
      else stdout.once('drain', () => done());
    },
  });
}

/** Docker multiplexes stdout/stderr in 8-byte-framed chunks when there is no TTY. */
export function demux(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out || buf.toString('utf8');
}
