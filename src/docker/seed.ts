import { ReplikitError } from '../errors';
import type { Dialect } from '../flavors';
import { hashOf, MYCNF_PATH } from '../render/mycnf';
import { DockerEngine } from './engine';
import { statusOf } from './api-errors';
import { LABEL } from '../names';
import { poll } from '../poll';

const COMPLETE = '.replikit-seed-complete';
/** A seed build container older than this was left by a killed run: a build takes seconds. */
const BUILD_STALE_MS = 120_000;

/**
 * Most of a fresh node's start-up is initialising its data directory (system tables, redo log).
 * The seed does that once per image and profile, with the server's own initialiser (no
 * temporary server, no restart), in a volume kept as a cache; each new node's volume gets a
 * file copy of it, all in one short-lived helper container. Every node's init_file then sets
 * root's password from its topology, and files that identify one server (MySQL's auto.cnf with
 * its server_uuid) are left out of the copies.
 */
export class DataDirSeed {
  constructor(private readonly engine: DockerEngine) {}

  /** Copies an initialised data directory into every target volume of `image` that has none yet. */
  async copyInto(
    image: string,
    dialect: Dialect,
    profileCnf: string,
    targets: string[],
    progress: (line: string) => void = () => undefined,
  ): Promise<void> {
    const seed = await this.volumeFor(image, profileCnf);
    // A copy left running by a killed up would race this one.
    await this.engine.removeSeedHelpersOf(...targets);
    for (let attempt = 1; ; attempt++) {
      if ((await this.engine.ownerOf('volume', seed)) === undefined) {
        progress(`initialising the seed data directory ${seed} (once per image and profile)`);
        await this.build(image, dialect, profileCnf, seed);
      }
      progress(`copying ${seed} into ${targets.length} volume(s)`);
      const code = await this.copy(image, dialect, seed, targets, progress);
      if (code === 0) return;
      if (code !== 3 || attempt === 2) {
        throw new ReplikitError(
          `could not copy seed ${seed} into ${targets.join(', ')} (exit ${code})`,
          `docker volume rm ${seed} makes replikit build it again`,
        );
      }
      // Incomplete: a build that was interrupted, or one still running in another up. Start over.
      await this.waitForOtherBuild(seed);
      if ((await this.copy(image, dialect, seed, targets, progress)) === 0) return;
      await this.engine.removeVolume(seed);
    }
  }

  private async volumeFor(image: string, profileCnf: string): Promise<string> {
    const { id } = await this.engine.imageConfig(image);
    return `replikit-seed-${hashOf(`${id}\n${profileCnf}`).slice(0, 12)}`;
  }

  /**
   * The build container is named after the seed, so two ups that need the same seed at once do
   * not both build it: the second waits until the first's container is gone (its owner removes
   * it). One left behind by a killed run (older than BUILD_STALE_MS) is removed.
   */
  private async waitForOtherBuild(seed: string): Promise<void> {
    const name = `${seed}-init`;
    await poll(
      async () => {
        const info = await this.engine.inspect(name);
        if (!info) return true;
        if (Date.now() - Date.parse(info.Created) <= BUILD_STALE_MS) return undefined;
        await this.engine.remove(name);
        return true;
      },
      {
        timeoutMs: 180_000,
        intervalMs: 250,
        onTimeout: () =>
          new ReplikitError(
            `another replikit is still building the seed ${seed} after 180 s`,
            `if none is running, remove its container: docker rm -f ${name}`,
          ),
      },
    );
  }

  /** Runs the flavour's initialiser into the seed volume with the profile's my.cnf. */
  private async build(image: string, dialect: Dialect, profileCnf: string, seed: string): Promise<void> {
    await this.waitForOtherBuild(seed);
    if ((await this.engine.ownerOf('volume', seed)) !== undefined) return; // the other build made it
    await this.engine.ensureVolume(seed, { [LABEL.seed]: image });
    let result: { code: number; output: string };
    try {
      result = await this.engine.runOnce({
        name: `${seed}-init`,
        image,
        // The mark is written by the same named container, so an up waiting for that container
        // to go finds the seed complete (a separate mark step let it find the seed incomplete,
        // and remove it while the builder's next container used it).
        // ibtmp1 is made anew at every start: no need to copy it.
        script: `(${dialect.flavor.initialiseScript}) && rm -f /var/lib/mysql/ibtmp1 && touch /var/lib/mysql/${COMPLETE}`,
        // The initialisers create root accounts for the host name too: make it one that exists anyway.
        hostname: 'localhost',
        labels: { [LABEL.seed]: image },
        mounts: [{ Type: 'volume', Source: seed, Target: '/var/lib/mysql' }],
        files: [{ path: MYCNF_PATH, content: profileCnf, mode: 0o644 }],
      });
    } catch (e) {
      if (statusOf((e as Error).cause) === 409) return this.waitForOtherBuild(seed); // lost the race
      await this.engine.removeVolume(seed).catch(() => undefined);
      throw e;
    }
    if (result.code !== 0) {
      await this.engine.removeVolume(seed).catch(() => undefined);
      throw new ReplikitError(
        `cannot initialise a seed data directory for ${image} (exit ${result.code}); last lines:\n${result.output}`,
        'a setting of the profile the server does not accept is a likely cause',
      );
    }
  }

  /**
   * One container copies the seed into every target that holds no data directory yet; exit 3
   * when the seed is incomplete. mysql/ arrives last, by rename, so a copy cut short is redone.
   */
  private async copy(image: string, dialect: Dialect, seed: string, targets: string[], progress: (line: string) => void): Promise<number> {
    const perCopy = dialect.flavor.perCopyFiles.map((f) => `"$1/${f}"`).join(' ');
    const script = [
      `[ -f /seed/${COMPLETE} ] || exit 3`,
      'copy() {',
      '  [ -d "$1/mysql" ] && return 0',
      // Sparse copies: most of a fresh InnoDB file is zeros, which need not be written.
      '  for f in /seed/*; do [ "${f##*/}" = mysql ] || cp -a --sparse=always "$f" "$1/" || return 1; done',
      `  rm -f ${perCopy} "$1/${COMPLETE}"`,
      '  rm -rf "$1/.mysql.tmp" && cp -a /seed/mysql "$1/.mysql.tmp" && mv "$1/.mysql.tmp" "$1/mysql" && echo "copied $1"',
      '}',
      // One copy per volume, all at once; any that fails fails the whole.
      'pids=""; for d in /t/*; do copy "$d" & pids="$pids $!"; done',
      'for p in $pids; do wait $p || exit 1; done',
    ].join('\n');
    let done = 0;
    let reportedAt = Date.now();
    const { code } = await this.engine.runOnce({
      image,
      script,
      // At most a line a second (a log should not get one per volume), and the last one always.
      onLine: (line) => {
        if (!line.startsWith('copied ')) return;
        done++;
        if (done === targets.length || Date.now() - reportedAt >= 1000) {
          reportedAt = Date.now();
          progress(`seeded ${done}/${targets.length} volume(s)`);
        }
      },
      labels: { [LABEL.seed]: image },
      mounts: [
        { Type: 'volume', Source: seed, Target: '/seed', ReadOnly: true },
        ...targets.map((v, i) => ({ Type: 'volume' as const, Source: v, Target: `/t/${i}` })),
      ],
    });
    return code;
  }
}
