import * as os from 'node:os';
import { ReplikitError } from '../errors';
import type { DockerEngine } from './engine';

const LOCK_LABEL = 'io.replikit.lock';
const HOLDER_LABEL = 'io.replikit.lock-holder';
/** A lock this old is left over whoever holds it: no up takes an hour. */
const STALE_MS = 60 * 60 * 1000;

export const lockName = (topology: string) => `replikit-lock-${topology}`;

/**
 * One `up` per topology at a time, across processes and machines sharing an engine: the lock is a
 * container that is never started, because the engine refuses a second container of the same
 * name (networks would not do: under a race it creates two of one name). A lock whose holder was
 * on this host and is gone (killed), or that is over an hour old, is taken over.
 */
export class TopologyLock {
  private constructor(
    private readonly engine: DockerEngine,
    readonly name: string,
  ) {}

  static async acquire(engine: DockerEngine, topology: string, image: string): Promise<TopologyLock> {
    const name = lockName(topology);
    const holder = `${os.hostname()}:${process.pid}`;
    for (let attempt = 1; ; attempt++) {
      try {
        if (await engine.createMarker(name, image, { [LOCK_LABEL]: topology, [HOLDER_LABEL]: holder })) return new TopologyLock(engine, name);
      } catch (e) {
        throw conflictOr(e, topology, name, undefined);
      }
      const info = await engine.inspect(name);
      if (!info) {
        // Released meanwhile, or still being created (the name is taken before the container can be inspected).
        if (attempt >= 20) throw conflictOr(undefined, topology, name, 'holder unknown');
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const other = info.Config.Labels?.[HOLDER_LABEL] ?? 'unknown';
      if (!isStale(other, Date.parse(info.Created))) throw conflictOr(undefined, topology, name, `${other}, since ${info.Created}`);
      await engine.remove(name);
    }
  }

  async release(): Promise<void> {
    await this.engine.remove(this.name).catch(() => undefined);
  }
}

function isStale(holder: string, created: number): boolean {
  if (Date.now() - created > STALE_MS) return true;
  const [host, pid] = holder.split(':');
  if (host !== os.hostname() || !Number(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function conflictOr(error: unknown, topology: string, name: string, holder: string | undefined): ReplikitError {
  if (holder === undefined) return new ReplikitError(`cannot lock topology ${topology}: ${(error as Error).message}`, undefined, { cause: error });
  return new ReplikitError(
    `another replikit up of topology ${topology} is running (${holder})`,
    `wait for it to finish; if none is running any more, remove the lock: docker rm ${name}`,
  );
}
