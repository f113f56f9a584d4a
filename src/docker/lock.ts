import * as os from 'node:os';
import { ReplikitError } from '../errors';
import { poll } from '../poll';
import type { DockerEngine } from './engine';

const LOCK_LABEL = 'io.replikit.lock';
const HOLDER_LABEL = 'io.replikit.lock-holder';
/** Where the holder beats, inside the lock container (written through the Engine API's archive). */
const BEAT_FILE = '/replikit-lock-beat';
/** How often the holder beats. */
export const BEAT_MS = 2000;
/** A lock whose beat has not moved for this long is left over: its holder is gone, wherever it ran. */
export const STALE_MS = 5 * BEAT_MS;

export const lockName = (topology: string) => `replikit-lock-${topology}`;

/**
 * One `up` (or switchover) per topology at a time, across processes and machines sharing an
 * engine: the lock is a container that is never started, because the engine refuses a second
 * container of the same name (networks would not do: under a race it creates two of one name).
 * Its holder writes a beat into it every 2 s; a lock whose beat stops for 10 s, or whose holder
 * was on this host and is gone, is taken over. Takeover and release go by the container's id,
 * never its name: a holder whose lock was taken over cannot remove its successor's.
 */
export class TopologyLock {
  private beats = 0;
  private timer?: NodeJS.Timeout;
  private beating: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly engine: DockerEngine,
    readonly name: string,
    readonly id: string,
    private readonly holder: string,
  ) {}

  static async acquire(engine: DockerEngine, topology: string, image: string, staleMs = STALE_MS): Promise<TopologyLock> {
    const name = lockName(topology);
    const holder = `${os.hostname()}:${process.pid}`;
    for (let attempt = 1; ; attempt++) {
      let id: string | undefined;
      try {
        id = await engine.createMarker(name, image, { [LOCK_LABEL]: topology, [HOLDER_LABEL]: holder });
      } catch (e) {
        throw conflictOr(e, topology, name, undefined);
      }
      if (id) {
        const lock = new TopologyLock(engine, name, id, holder);
        await lock.beat();
        lock.timer = setInterval(() => (lock.beating = lock.beat().catch(() => undefined)), BEAT_MS).unref();
        return lock;
      }
      const info = await engine.inspect(name);
      if (!info) {
        // Released meanwhile, or still being created (the name is taken before the container can be inspected).
        if (attempt >= 20) throw conflictOr(undefined, topology, name, 'holder unknown');
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const other = info.Config.Labels?.[HOLDER_LABEL] ?? 'unknown';
      const state = await holderState(engine, info.Id, other, staleMs);
      if (state === 'alive') throw conflictOr(undefined, topology, name, `${other}, since ${info.Created}`);
      // By id: a lock another contender made in its place meanwhile stays.
      if (state === 'gone') await engine.remove(info.Id);
    }
  }

  private async beat(): Promise<void> {
    await this.engine.putMarkerFile(this.id, { path: BEAT_FILE, content: `${this.holder} ${++this.beats}\n`, mode: 0o644 });
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.engine.remove(this.id).catch(() => undefined);
  }
}

/**
 * Whether the lock's holder is alive, gone (a process of this host that no longer runs; on
 * another machine, a beat that has not moved for `staleMs`), or the lock itself went while it
 * was watched (released: the caller tries again).
 */
async function holderState(engine: DockerEngine, id: string, holder: string, staleMs: number): Promise<'alive' | 'gone' | 'released'> {
  const [host, pid] = holder.split(':');
  // A holder on this host is known at once by its process.
  if (host === os.hostname() && Number(pid)) return running(Number(pid)) ? 'alive' : 'gone';
  const beatOf = () => engine.readFile(id, BEAT_FILE);
  const first = await beatOf();
  const quiet = new Error('the beat did not move');
  try {
    return await poll<'alive' | 'released'>(
      async () => {
        if (!(await engine.inspect(id))) return 'released';
        return (await beatOf()) !== first ? 'alive' : undefined;
      },
      { timeoutMs: staleMs, intervalMs: 250, onTimeout: () => quiet },
    );
  } catch (e) {
    if (e === quiet) return 'gone';
    throw e;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function conflictOr(error: unknown, topology: string, name: string, holder: string | undefined): ReplikitError {
  if (holder === undefined)
    return new ReplikitError(`cannot lock topology ${topology}: ${(error as Error).message}`, undefined, { cause: error });
  return new ReplikitError(
    `another replikit up of topology ${topology} is running (${holder})`,
    `wait for it to finish; if none is running any more, remove the lock: docker rm ${name}`,
  );
}
