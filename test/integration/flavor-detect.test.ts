import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { up } from '../../src';
import { guessImageVersion } from '../../src/flavors';
import { imageFacts, imageVersion } from '../../src/docker/detect-image';
import { tarOf } from '../../src/docker/archive';
import { Readable } from 'node:stream';
import { cleanup, docker, hostPort, IMAGES, readOnlyGlobals, requireEngine, simpleTopology, uniqueName } from './harness';

beforeAll(requireEngine);

// An empty cache: the images are really asked, by a throw-away container each.
const cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-cache-'));
process.env.XDG_CACHE_HOME = cacheHome;

/** Each test image again under a name that says nothing about what it runs. */
const anonymous = IMAGES.map((image, i) => ({ image, alias: `rk-anonymous/db:${process.pid}-${i}` }));

beforeAll(async () => {
  for (const { image, alias } of anonymous) {
    const [repo, tag] = alias.split(':');
    await docker.docker.getImage(image).tag({ repo, tag });
  }
});
afterAll(async () => {
  for (const { alias } of anonymous)
    await docker.docker
      .getImage(alias)
      .remove({ noprune: true })
      .catch(() => undefined);
});

describe('the flavour is asked of the image, not guessed from its name', () => {
  it.each(anonymous)('$image under the name $alias: flavour and version from the server binary', async ({ image, alias }) => {
    // The name alone would say MySQL for all of them.
    expect(guessImageVersion(alias).flavor).toBe('mysql');
    const real = await imageVersion(docker, alias);
    expect(real.flavor).toBe(guessImageVersion(image).flavor);
    const tag = image.split(':')[1];
    expect(`${real.major}.${real.minor}`).toBe(tag);
    // Remembered by image id, with the server's user, so the next up does not ask again.
    const cache = JSON.parse(fs.readFileSync(path.join(cacheHome, 'replikit', 'images.json'), 'utf8'));
    expect(cache[(await docker.imageConfig(alias)).id]).toEqual({ version: real, user: { uid: 999, gid: 999 } });
  });

  describe.each(anonymous)('up of $image under the name $alias', ({ image, alias }) => {
    const name = uniqueName('anon');
    afterAll(() => cleanup(name));

    it('renders the my.cnf of the flavour it runs, and replicates', async () => {
      const t = simpleTopology(name, alias, { replica1: undefined });
      const result = await up(t, { progress: 'silent' });
      expect(result.nodes.map((n) => n.heartbeatLagMs !== undefined)).toEqual([false, true]);
      // The read-only settings the real flavour has are all in effect on the replica.
      const ro = await readOnlyGlobals(image, await hostPort(t, 'replica1'), true);
      expect(ro.actual).toEqual(ro.expected);
    });
  });
});

describe.each(IMAGES)('an image of %s whose mysql user is not uid 999', (image) => {
  const name = uniqueName('uid');
  const derived = `rk-uid1001/${image.replace(/[/:]/g, '-')}:${process.pid}`;
  afterAll(async () => {
    await cleanup(name);
    await docker.docker
      .getImage(derived)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('gets its secret files owned by that user, and replicates', async () => {
    // As Debian's own packages or other vendors' images have it: mysql with another uid and gid.
    const dockerfile = [
      `FROM ${image}`,
      "RUN sed -i -E 's/^mysql:x:[0-9]+:[0-9]+:/mysql:x:1001:1001:/' /etc/passwd && sed -i -E 's/^mysql:x:[0-9]+:/mysql:x:1001:/' /etc/group && chown -R 1001:1001 /run/mysqld /var/run/mysqld",
    ].join('\n');
    const context = await tarOf([{ path: '/Dockerfile', content: dockerfile, mode: 0o644 }]);
    const stream = await docker.docker.buildImage(Readable.from([context]) as unknown as NodeJS.ReadableStream, {
      t: derived,
      forcerm: true,
    });
    // A failed step comes as an event with `error`, not as a stream error: fail with it here.
    const events = await new Promise<{ error?: string }[]>((resolve, reject) =>
      docker.docker.modem.followProgress(stream, (e: Error | null, out: { error?: string }[]) => (e ? reject(e) : resolve(out))),
    );
    expect(events.filter((e) => e.error).map((e) => e.error)).toEqual([]);
    expect((await imageFacts(docker, derived)).user).toEqual({ uid: 1001, gid: 1001 });

    const t = simpleTopology(name, derived, { replica1: undefined });
    const result = await up(t, { progress: 'silent' });
    expect(result.nodes[1].heartbeatLagMs).toBeDefined();
    const exec = await docker.exec(`${name}-replica1`, [
      'stat',
      '-c',
      '%a %u:%g',
      '/run/secrets/replikit-root-password',
      '/run/secrets/replikit-root-init.sql',
      '/run/secrets/replikit-client.cnf',
      '/run/secrets/replikit-key.pem',
    ]);
    const out: Buffer[] = [];
    exec.stdout.on('data', (c: Buffer) => out.push(c));
    expect(await exec.done).toBe(0);
    expect(Buffer.concat(out).toString().trim().split('\n')).toEqual(['400 1001:1001', '400 1001:1001', '400 1001:1001', '400 1001:1001']);
  });
});
