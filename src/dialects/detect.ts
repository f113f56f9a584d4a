import type { Dialect, ServerVersion } from './dialect';
import { MariaDbDialect } from './mariadb';
import { MySql57Dialect } from './mysql57';
import { atLeast, MySql80Dialect } from './mysql80';
import { MySql84Dialect } from './mysql84';

/** Parses `SELECT VERSION()`: "10.11.6-MariaDB-0+deb12u1", "8.0.36", "8.4.3-log", "5.7.44". */
export function parseServerVersion(text: string): ServerVersion {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!m) throw new Error(`cannot read a server version from '${text}'`);
  return {
    flavor: /mariadb/i.test(text) ? 'mariadb' : 'mysql',
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3] ?? 0),
    text,
  };
}

/**
 * The version an image most likely runs, before any container exists (to render my.cnf):
 * the flavour from the repository name, the version from the tag. A tag without a full version
 * ("8.0", "lts", "latest") is taken as the newest release it can mean.
 */
export function guessImageVersion(image: string): ServerVersion {
  const [repo, tag = 'latest'] = splitImage(image);
  const flavor = /mariadb/i.test(repo) ? 'mariadb' : 'mysql';
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(tag);
  if (!m) {
    return flavor === 'mariadb'
      ? { flavor, major: 11, minor: 8, patch: 999, text: image }
      : { flavor, major: 9, minor: 99, patch: 999, text: image };
  }
  return {
    flavor,
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
  if (v.flavor === 'mariadb') return new MariaDbDialect(v);
  if (atLeast(v, 8, 4)) return new MySql84Dialect(v);
  if (atLeast(v, 8, 0)) return new MySql80Dialect(v);
  return new MySql57Dialect(v);
}
