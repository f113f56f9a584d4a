import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DockerEngine } from '../docker/engine';
import { ReplikitError } from '../errors';
import type { ServerVersion } from './dialect';
import { FLAVORS, parseServerVersion } from './index';

/**
 * The flavour and version an image really runs, asked of the image itself: a MariaDB image
 * named "db:prod" must still get a MariaDB my.cnf. The official images name their version in
 * their environment (MARIADB_VERSION, MYSQL_VERSION); any other image is asked once, by its
 * server binary's `--version` in a throw-away container. Answers are cached per image id (an id
 * names one build, so the answer never goes stale), in memory and in the user's cache folder.
 */
export async function imageVersion(engine: DockerEngine, image: string): Promise<ServerVersion> {
  const { id, env } = await engine.imageConfig(image);
  const cached = memory.get(id) ?? fromDisk(id);
  if (cached) return remember(id, cached);
  const fromEnv = versionFromEnv(env);
  if (fromEnv) return remember(id, fromEnv);
  const binaries = [...new Set(FLAVORS.flatMap((f) => f.serverBinaries))];
  const script = `for b in ${binaries.join(' ')}; do command -v "$b" >/dev/null 2>&1 && exec "$b" --version; done; echo "no server binary (${binaries.join(', ')})" >&2; exit 127`;
  const { code, output } = await engine.runOnce({ image, script });
  if (code !== 0) {
    throw new ReplikitError(`image ${image} does not look like a MySQL or MariaDB server image: ${output.split('\n').pop()}`, 'check image: in the topology');
  }
  return remember(id, parseServerVersion(output.split('\n').find((l) => /\sVer\s/.test(l)) ?? output));
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

const memory = new Map<string, ServerVersion>();

function cacheFile(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'replikit', 'image-versions.json');
}

function readCache(): Record<string, ServerVersion> {
  try {
    return JSON.parse(fs.readFileSync(cacheFile(), 'utf8')) as Record<string, ServerVersion>;
  } catch {
    return {}; // no cache yet, or an unreadable one: ask the image again
  }
}

function fromDisk(id: string): ServerVersion | undefined {
  return readCache()[id];
}

function remember(id: string, v: ServerVersion): ServerVersion {
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
