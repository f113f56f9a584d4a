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
    if (!(await this.engine.ownerOf('volume', seed))) {
      progress(`initialising the seed data directory ${seed} (once per image and profile)`);
      await this.build(image, profileCnf, seed);
    }
    const code = await this.helper(image, seed, targets);
    if (code === 3) {
      // A seed left incomplete by an interrupted build: make it again.
      await this.engine.removeVolume(seed);
      await this.build(image, profileCnf, seed);
      if ((await this.helper(image, seed, targets)) !== 0) throw new ReplikitError(`could not copy seed ${seed} into ${targets.join(', ')}`);
    } else if (code !== 0) {
      throw new ReplikitError(`could not copy seed ${seed} into ${targets.join(', ')} (exit ${code})`, `docker volume rm ${seed} makes replikit build it again`);
    }
  }

  private async volumeFor(image: string, profileCnf: string): Promise<string> {
    const id = (await this.docker.getImage(image).inspect()).Id;
    return `replikit-seed-${hashOf(`${id}\n${profileCnf}`).slice(0, 12)}`;
  }

  /** Runs the image's own initialisation (its entrypoint contract) into the seed volume, then shuts down cleanly. */
  private async build(image: string, profileCnf: string, seed: string): Promise<void> {
    await this.docker.createVolume({ Name: seed, Labels: { [LABEL.seed]: image } });
    const secret = '/run/secrets/replikit-seed-password';
    const container = await this.docker.createContainer({
      Image: image,
      Env: [`MARIADB_ROOT_PASSWORD_FILE=${secret}`, `MYSQL_ROOT_PASSWORD_FILE=${secret}`],
      Labels: { [LABEL.seed]: image },
      HostConfig: { Mounts: [{ Type: 'volume', Source: seed, Target: '/var/lib/mysql' }], NetworkMode: 'none' },
    });
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
      await this.docker.getVolume(seed).remove().catch(() => undefined);
      throw e instanceof ReplikitError ? e : new ReplikitError(`cannot initialise a seed data directory for ${image}: ${(e as Error).message}`, undefined, { cause: e });
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
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
      if (!state.Running) throw new ReplikitError(`seed server exited with code ${state.ExitCode} while initialising`, 'docker logs of a normal node show why');
      const log = (await container.logs({ stdout: true, stderr: true, tail: 50 })).toString('utf8');
      if (/ready for connections[\s\S]*port: 3306/.test(log)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new ReplikitError('seed server did not start within 180 s');
  }

  private async mark(image: string, seed: string): Promise<void> {
    if ((await this.run(image, `touch /seed/${COMPLETE}`, [{ Type: 'volume', Source: seed, Target: '/seed' }])) !== 0) {
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
      'for d in /t/*; do',
      '  [ -d "$d/mysql" ] && continue',
      '  for f in /seed/*; do [ "${f##*/}" = mysql ] || cp -a "$f" "$d/" || exit 1; done',
      '  rm -rf "$d/.mysql.tmp" && cp -a /seed/mysql "$d/.mysql.tmp" && rm -f "$d/auto.cnf" && mv "$d/.mysql.tmp" "$d/mysql" || exit 1',
      'done',
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
      await container.remove({ force: true }).catch(() => undefined);
    }
  }
}
