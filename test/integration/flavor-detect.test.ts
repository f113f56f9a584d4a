import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { up } from '../../src';
import { guessImageVersion } from '../../src/flavors';
import { imageVersion } from '../../src/flavors/detect-image';
import { cleanup, docker, IMAGES, requireEngine, simpleTopology, sql, hostPort, uniqueName, dialectOf } from './harness';

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
  for (const { alias } of anonymous) await docker.docker.getImage(alias).remove({ noprune: true }).catch(() => undefined);
});

describe('the flavour is asked of the image, not guessed from its name', () => {
  it.each(anonymous)('$image under the name $alias: flavour and version from the server binary', async ({ image, alias }) => {
    // The name alone would say MySQL for all of them.
    expect(guessImageVersion(alias).flavor).toBe('mysql');
    const real = await imageVersion(docker, alias);
    expect(real.flavor).toBe(guessImageVersion(image).flavor);
    const tag = image.split(':')[1];
    expect(`${real.major}.${real.minor}`).toBe(tag);
    // Remembered by image id, so the next up does not ask again.
    const cache = JSON.parse(fs.readFileSync(path.join(cacheHome, 'replikit', 'image-versions.json'), 'utf8'));
    expect(cache[(await docker.imageConfig(alias)).id]).toEqual(real);
  });

  describe.each(anonymous)('up of $image under the name $alias', ({ image, alias }) => {
    const name = uniqueName('anon');
    afterAll(() => cleanup(name));

    it('renders the my.cnf of the flavour it runs, and replicates', async () => {
      const t = simpleTopology(name, alias, { replica1: undefined });
      const result = await up(t, { progress: 'silent' });
      expect(result.nodes.map((n) => n.heartbeatLagMs !== undefined)).toEqual([false, true]);
      // The read-only settings the real flavour has are all in effect on the replica.
      const settings = (await dialectOf(image)).readOnlySettings(true);
      const r = await hostPort(t, 'replica1');
      const row = (await sql(r, `SELECT ${Object.keys(settings).map((k) => `@@GLOBAL.${k} AS ${k}`).join(', ')}`))[0];
      expect(Object.values(row)).toEqual(Object.keys(settings).map(() => 1));
    });
  });
});
