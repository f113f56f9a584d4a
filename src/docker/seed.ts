import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { ReplikitError } from '../errors';
import { hashOf, MYCNF_PATH } from '../render/mycnf';

/** Data directories that can start from a copy: those whose my.cnf sets root's password by init_file. */
export { usesRootInitFile as seedable } from '../render/mycnf';
import { tarOf } from './archive';
import type { DockerEngine } from './engine';
import { LABEL, MYSQL_UID } from './names';

const COMPLETE = '.replikit-seed-complete';
/** A seed build container older than this was left by a killed run: a build takes seconds. */
const BUILD_STALE_MS = 120_000;

/**
 * Most of a fresh node's start-up is initialising its data directory (system tables, redo log,
 * a temporary server). The seed does that once per image and profile, in a volume kept as a
 * cache; each new node's volume gets a file copy of it, all in one short-lived helper container.
 */
export class DataDirSeed {
  constructor(private readonly engine: DockerEngine) {}

  private get docker(): Docker {
    return this.engine.docker;
  }

  /** Copies an initialised data directory into every target volume of `image` that has none yet. */
  async copyInto(image: string, profileCnf: string, targets: string[], progress: (line: string) => void = () => undefined): Promise<void> {
    const seed = await this.volumeFor(image, profileCnf);
    // A copy left running by a killed up would race this one.
    await this.engine.removeSeedHelpersOf(...targets);
    for (let attempt = 1; ; attempt++) {
      if ((await this.engine.ownerOf('volume', seed)) === undefined) {
        progress(`initialising the seed data directory ${seed} (once per image and profile)`);
        await this.build(image, profileCnf, seed);
      }
      const code = await this.helper(image, seed, targets);
      if (code === 0) return;
      if (code !== 3 || attempt === 2) {
        throw new ReplikitError(`could not copy seed ${seed} into ${targets.join(', ')} (exit ${code})`, `docker volume rm ${seed} makes replikit build it again`);
      }
      // Incomplete: a build that was interrupted, or one still running in another up. Start over.
      await this.waitForOtherBuild(seed);
      if ((await this.helper(image, seed, targets)) === 0) return;
      await this.engine.removeVolume(seed);
    }
  }

  private async volumeFor(image: string, profileCnf: string): Promise<string> {
    const id = (await this.docker.getImage(image).inspect()).Id;
    return `replikit-seed-${hashOf(`${id}\n${profileCnf}`).slice(0, 12)}`;
  }

  /**
   * The build container is named after the seed, so two ups that need the same seed at once do
   * not both build it: the second waits for the first. One left behind by a killed run (older
   * than BUILD_STALE_MS) is removed.
   */
  private async waitForOtherBuild(seed: string): Promise<void> {
    const name = `${seed}-init`;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const info = await this.engine.inspect(name);
      if (!info) return;
      if (!info.State.Running || Date.now() - Date.parse(info.Created) > BUILD_STALE_MS) {
        await this.engine.remove(name);
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Runs the image's own initialisation (its entrypoint contract) into the seed volume, then shuts down cleanly. */
  private async build(image: string, profileCnf: string, seed: string): Promise<void> {
    await this.waitForOtherBuild(seed);
    if ((await this.engine.ownerOf('volume', seed)) !== undefined) return; // the other build made it
    await this.docker.createVolume({ Name: seed, Labels: { [LABEL.seed]: image } });
    const secret = '/run/secrets/replikit-seed-password';
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        name: `${seed}-init`,
        Image: image,
        Env: [`MARIADB_ROOT_PASSWORD_FILE=${secret}`, `MYSQL_ROOT_PASSWORD_FILE=${secret}`],
        Labels: { [LABEL.seed]: image },
        HostConfig: { Mounts: [{ Type: 'volume', Source: seed, Target: '/var/lib/mysql' }], NetworkMode: 'none' },
      });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 409) return this.waitForOtherBuild(seed); // lost the race
      throw e;
    }
    try {
      // The password is thrown away: every node's init_file sets its own topology's.
      const files = [
        { path: MYCNF_PATH, content: profileCnf, mode: 0o644 },
        { path: secret, content: randomBytes(18).toString('base64url'), mode: 0o400, uid: MYSQL_UID, gid: MYSQL_UID },
      ];
      await container.putArchive(await tarOf(files), { path: '/' });
      await container.start();
      await this.waitUntilServing(container);
      await container.stop({ t: 60 }); // a clean shutdown: InnoDB needs no recovery in the copies
      const state = (await container.inspect()).State;
      if (state.ExitCode !== 0) throw new ReplikitError(`seed server for ${image} stopped with exit code ${state.ExitCode}`);
      await this.mark(image, seed);
    } catch (e) {
      await container.remove({ force: true, v: true }).catch(() => undefined);
      await this.docker.getVolume(seed).remove().catch(() => undefined);
      throw e instanceof ReplikitError ? e : new ReplikitError(`cannot initialise a seed data directory for ${image}: ${(e as Error).message}`, undefined, { cause: e });
    } finally {
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  /**
   * Ready when the entrypoint's real server says so: its temporary server (no networking)
   * reports "port: 0", the real one "port: 3306". Read from the log, so no exec is needed.
   */
  private async waitUntilServing(container: Docker.Container): Promise<void> {
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const state = (await container.inspect()).State;
      if (!state.Running) {
        const tail = (await container.logs({ stdout: true, stderr: true, tail: 15 })).toString('utf8').replace(/[\x00-\x08]/g, '');
        throw new ReplikitError(`seed server exited with code ${state.ExitCode} while initialising; last log lines:\n${tail}`, 'a setting of the profile the server does not accept is a likely cause');
      }
      const log = (await container.logs({ stdout: true, stderr: true, tail: 50 })).toString('utf8');
      if (/ready for connections[\s\S]*port: 3306/.test(log)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new ReplikitError('seed server did not start within 180 s');
  }

  private async mark(image: string, seed: string): Promise<void> {
    // ibtmp1 is made anew at every start: no need to copy it.
    if ((await this.run(image, `rm -f /seed/ibtmp1 && touch /seed/${COMPLETE}`, [{ Type: 'volume', Source: seed, Target: '/seed' }])) !== 0) {
      throw new ReplikitError(`cannot mark seed ${seed} complete`);
    }
  }

  /**
   * One container copies the seed into every target that holds no data directory yet; exit 3
   * when the seed is incomplete. mysql/ arrives last, by rename, so a copy cut short is redone.
   */
  private helper(image: string, seed: string, targets: string[]): Promise<number> {
    const script = [
      `[ -f /seed/${COMPLETE} ] || exit 3`,
      'copy() {',
      '  [ -d "$1/mysql" ] && return 0',
      // Sparse copies: most of a fresh InnoDB file is zeros, which need not be written.
      '  for f in /seed/*; do [ "${f##*/}" = mysql ] || cp -a --sparse=always "$f" "$1/" || return 1; done',
      '  rm -rf "$1/.mysql.tmp" && cp -a /seed/mysql "$1/.mysql.tmp" && rm -f "$1/auto.cnf" && mv "$1/.mysql.tmp" "$1/mysql"',
      '}',
      // One copy per volume, all at once; any that fails fails the whole.
      'pids=""; for d in /t/*; do copy "$d" & pids="$pids $!"; done',
      'for p in $pids; do wait $p || exit 1; done',
    ].join('\n');
    return this.run(image, script, [
      { Type: 'volume', Source: seed, Target: '/seed', ReadOnly: true },
      ...targets.map((v, i) => ({ Type: 'volume' as const, Source: v, Target: `/t/${i}` })),
    ]);
  }

  private async run(image: string, script: string, mounts: Docker.MountSettings[]): Promise<number> {
    const container = await this.docker.createContainer({
      Image: image,
      Entrypoint: ['sh', '-c', script],
      Cmd: [],
      User: 'root',
      Labels: { [LABEL.seed]: image },
      HostConfig: { Mounts: mounts, NetworkMode: 'none' },
    });
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      return StatusCode;
    } finally {
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }
}
