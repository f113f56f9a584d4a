import type { Dialect, Flavor, FlavorName, ServerVersion } from './dialect';
import { mariadb } from './mariadb';
import { mysql } from './mysql';

/**
 * The flavours replikit knows, most specific first: a version string or image name is taken by
 * the first flavour that matches it. Adding a flavour (Percona Server, say) is one module here.
 */
export const FLAVORS: readonly Flavor[] = [mariadb, mysql];

export function flavorNamed(name: FlavorName): Flavor {
  return FLAVORS.find((f) => f.name === name)!;
}

function flavorOf(text: string): Flavor {
  return FLAVORS.find((f) => f.matches(text))!;
}

/**
 * Parses `SELECT VERSION()` or `mysqld --version`: "10.11.6-MariaDB-0+deb12u1", "8.0.36",
 * "8.4.3-log", "mysqld  Ver 9.7.4 for Linux on x86_64 (Debian)".
 */
export function parseServerVersion(text: string): ServerVersion {
  const m = /(?:^|\sVer\s+)(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!m) throw new Error(`cannot read a server version from '${text}'`);
  return { flavor: flavorOf(text).name, major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), text: text.trim() };
}

/**
 * A first guess at the version an image runs, from its name alone: the flavour from the
 * repository name, the version from the tag. A tag without a full version ("8.0", "lts",
 * "latest") is taken as the newest release it can mean. `up` asks the image itself
 * (docker/detect-image.ts); this guess serves `render` and `validate`, which need no engine.
 */
export function guessImageVersion(image: string): ServerVersion {
  const [repo, tag = 'latest'] = splitImage(image);
  const flavor = flavorOf(repo);
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(tag);
  const n = flavor.newest;
  if (!m) return { flavor: flavor.name, ...n, text: image };
  return {
    flavor: flavor.name,
    major: Number(m[1]),
    minor: m[2] === undefined ? 999 : Number(m[2]),
    patch: m[3] === undefined ? 999 : Number(m[3]),
    text: image,
  };
}

function splitImage(image: string): [string, string | undefined] {
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? [noDigest.slice(0, colon), noDigest.slice(colon + 1)] : [noDigest, undefined];
}

export function dialectFor(v: ServerVersion): Dialect {
  return flavorNamed(v.flavor).dialect(v);
}

export { atLeast } from './dialect';
export type { Dialect, Flavor, FlavorName, ServerVersion } from './dialect';
