import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { down } from '../../src/commands/down';
import { InputError } from '../../src/errors';
import { tlsStateDir } from '../../src/tls/state';

describe('a topology name from the library', () => {
  it("down('') and down('..') are refused before any engine is asked, and no CA folder is removed", async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-state-'));
    const before = process.env.XDG_STATE_HOME;
    process.env.XDG_STATE_HOME = state;
    try {
      fs.mkdirSync(path.join(state, 'replikit', 'other'), { recursive: true });
      fs.writeFileSync(path.join(state, 'replikit', 'other', 'ca.pem'), 'kept');
      for (const name of ['', '..', '../x', 'A', 'x/..']) {
        const error = await down(name, { volumes: true }).catch((e) => e);
        expect(error).toBeInstanceOf(InputError);
        expect(error.message).toBe(`${JSON.stringify(name)} is not a topology name`);
        expect(() => tlsStateDir(name)).toThrow(InputError);
        expect(await down({ name }, { volumes: true }).catch((e) => e)).toBeInstanceOf(InputError);
      }
      expect(fs.readFileSync(path.join(state, 'replikit', 'other', 'ca.pem'), 'utf8')).toBe('kept');
      expect(tlsStateDir('other')).toBe(path.join(state, 'replikit', 'other'));
    } finally {
      if (before === undefined) delete process.env.XDG_STATE_HOME;
      else process.env.XDG_STATE_HOME = before;
      fs.rmSync(state, { recursive: true, force: true });
    }
  });
});
