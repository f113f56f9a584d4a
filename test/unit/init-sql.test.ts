import { rootClientCommand } from '../../src/docker/root-client';
import { dialectFor, parseServerVersion } from '../../src/flavors';

describe('the server client run in a container', () => {
  it('reads the password from the option file, never from argv or the environment', () => {
    const cmd = rootClientCommand(dialectFor(parseServerVersion('10.11.6-MariaDB')), ['mariadb', '--batch']);
    expect(cmd.slice(0, 2)).toEqual(['sh', '-c']);
    expect(cmd[2]).toContain('--defaults-extra-file=/run/secrets/replikit-client.cnf');
    expect(cmd.join(' ')).not.toMatch(/MYSQL_PWD|password/i);
  });
});
