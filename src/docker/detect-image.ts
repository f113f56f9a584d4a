import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DockerEngine } from './engine';
import { ReplikitError } from '../errors';
import type { ServerVersion } from '../flavors/dialect';
import { FLAVORS, parseServerVersion } from '../flavors/index';

/** What replikit needs to know of an image before it creates a container of it. */
export interface ImageFacts {
  version: ServerVersion;
  /** The uid and gid the server runs as: secret files are theirs (999 in the official images, 100/101 in Debian's packages). */
  user: { uid: number; gid: number };
}

/**
 * The flavour, version and server user an image really has, asked of the image itself: a
 * MariaDB image named "db:prod" must still get a MariaDB my.cnf, and an image whose mysql user
 * is not uid 999 must still be able to read its secret files. One throw-away container with no
 * network reads the mysql user's ids and the server binary's `--version`; the official images'
 * own version variable (MARIADB_VERSION, MYSQL_VERSION) wins where it is set. Answers are cached
 * per image id (an id names one build, so the answer never goes stale), in memory and in the
 * user's cache folder.
 */
export async function imageFacts(engine: DockerEngine, image: string): Promise<ImageFacts> {
  const { id, env } = await engine.imageConfig(image);
  const cached = memory.get(id) ?? fromDisk(id);
  if (cached) return remember(id, cached);
  const binaries = [...new Set(FLAVORS.flatMap((f) => f.serverBinaries))];
  const script = [
    'echo "user $(id -u mysql) $(id -g mysql)"',
    `for b in ${binaries.join(' ')}; do command -v "$b" >/dev/null 2>&1 && exec "$b" --version; done`,
    `echo "no server binary (${binaries.join(', ')})" >&2; exit 127`,
  ].join('\n');
  const { code, output } = await engine.runOnce({ image, script });
  const user = /^user (\d+) (\d+)$/m.exec(output);
  if (code !== 0 || !user) {
    throw new ReplikitError(
      `image ${image} does not look like a MySQL or MariaDB server image: ${output.split('\n').pop()}`,
      'check image: in the topology; the image needs a mysql user and mysqld or mariadbd',
    );
  }
  const version = versionFromEnv(env) ?? parseServerVersion(output.split('\n').find((l) => /\sVer\s/.test(l)) ?? output);
  return remember(id, { version, user: { uid: Number(user[1]), gid: Number(user[2]) } });
}

export async function imageVersion(engine: DockerEngine, image: string): Promise<ServerVersion> {
  return (await imageFacts(engine, image)).version;
}

/** MARIADB_VERSION=1:11.4.2+maria~ubu2404 or MYSQL_VERSION=8.4.0-1.el9, as the official images set them. */
export function versionFromEnv(env: string[]): ServerVersion | undefined {
  for (const f of FLAVORS) {
    const entry = env.find((e) => e.startsWith(`${f.envPrefix}_VERSION=`));
    const m = entry && /(?:^|[:=])(\d+\.\d+\.\d+)/.exec(entry.slice(entry.indexOf('=') + 1));
    if (m) return { ...parseServerVersion(m[1]), flavor: f.name, text: entry! };
  }
  return undefined;
}

const memory = new Map<string, ImageFacts>();

/** Where what each image runs is remembered, by image id. */
export function cacheFile(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'replikit', 'images.json');
}

function readCache(): Record<string, ImageFacts> {
  try {
    return JSON.parse(fs.readFileSync(cacheFile(), 'utf8')) as Record<string, ImageFacts>;
  } catch {
    return {}; // no cache yet, or an unreadable one: ask the image again
  }
}

function fromDisk(id: string): ImageFacts | undefined {
  const facts = readCache()[id];
  // An entry of an older replikit (a version alone) is asked again.
  return facts?.version && facts.user ? facts : undefined;
}

function remember(id: string, v: ImageFacts): ImageFacts {
  if (memory.has(id)) return v;
  memory.set(id, v);
  try {
    const file = cacheFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({ ...readCache(), [id]: v }));
    fs.renameSync(tmp, file);
  } catch {
    // A read-only home only costs asking the image again next time.
  }
  return v;
}
