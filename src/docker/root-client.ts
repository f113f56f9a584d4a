import type { Dialect } from '../flavors';
import { ROOT_PASSWORD_FILE } from './names';

/**
 * A server client run inside a node's container as root: `sh -c` reads the secret file into
 * MYSQL_PWD, so the password is never on a command line (ps shows argv, not the environment of
 * another process) and never leaves the container. `argv[0]` falls back to the name older images
 * of the flavour carry (mysqldump for mariadb-dump, …).
 */
export function rootClientCommand(dialect: Dialect, argv: string[]): string[] {
  const [bin, ...args] = argv;
  const fallback = dialect.flavor.binaryFallbacks[bin] ?? bin;
  return [
    'sh',
    '-c',
    `MYSQL_PWD="$(cat ${ROOT_PASSWORD_FILE})"; export MYSQL_PWD; bin=$(command -v ${bin} || command -v ${fallback}); exec "$bin" -uroot "$@"`,
    'replikit',
    ...args,
  ];
}
