import type { Dialect } from '../flavors';
import { CLIENT_OPTION_FILE } from '../names';

/**
 * A server client run inside a node's container as root, its password read from the container's
 * 0400 option file (--defaults-extra-file must come first): never on a command line, never in an
 * environment, never out of the container. `argv[0]` falls back to the name older images of the
 * flavour carry (mysqldump for mariadb-dump, …).
 */
export function rootClientCommand(dialect: Dialect, argv: string[]): string[] {
  const [bin, ...args] = argv;
  const fallback = dialect.flavor.binaryFallbacks[bin] ?? bin;
  return [
    'sh',
    '-c',
    `bin=$(command -v ${bin} || command -v ${fallback}); exec "$bin" --defaults-extra-file=${CLIENT_OPTION_FILE} -uroot "$@"`,
    'replikit',
    ...args,
  ];
}
