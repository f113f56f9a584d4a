import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli';
import { VALID } from './helpers';

/** Runs the CLI in-process and captures what it prints. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    process.exitCode = undefined;
    const code = await main(['node', 'replikit', ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    [log, error, write, stdout].forEach((s) => s.mockRestore());
    process.exitCode = undefined;
  }
}

function tmpTopology(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-cli-'));
  fs.writeFileSync(path.join(dir, 'replikit.yaml'), text);
  fs.writeFileSync(path.join(dir, '.env'), 'ROOT_PW=r\nREPL_PW=p\n');
  return path.join(dir, 'replikit.yaml');
}

describe('CLI', () => {
  it('validate: exit 0 on a valid file, reading ${VAR} from .env beside it', async () => {
    const r = await run('validate', '-f', tmpTopology(VALID));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/valid \(2 nodes: primary=primary, replica1=replica\)/);
  });

  it('validate: exit 2 with every positioned problem, and the file name, on an invalid file', async () => {
    const file = tmpTopology(VALID.replace('role: replica', 'role: replca').replace('port: 3308', 'port: 99999'));
    const r = await run('validate', '-f', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:20:11: nodes.replica1.role: must be one of primary, replica (did you mean 'replica'?)`);
    expect(r.err).toContain(`${file}:22:11: nodes.replica1.port:`);
  });

  it('validate --json: the problems as data for machines, still exit 2', async () => {
    const r = await run('validate', '--json', '-f', tmpTopology(VALID.replace('role: replica', 'role: replca')));
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out);
    expect(doc.valid).toBe(false);
    expect(doc.problems).toEqual([
      expect.objectContaining({ line: 20, column: 11, path: 'nodes.replica1.role', hint: "did you mean 'replica'?" }),
    ]);
  });

  it('exit 2 for a missing file and for usage errors', async () => {
    expect((await run('validate', '-f', '/nonexistent.yaml')).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('up', '--no-such-flag')).code).toBe(2);
    expect((await run('--help')).code).toBe(0);
  });

  it('render --out writes one 0644 file per node; without --out prints them', async () => {
    const file = tmpTopology(VALID);
    const out = path.join(path.dirname(file), 'rendered');
    const r = await run('render', '-f', file, '--out', out);
    expect(r.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['primary.cnf', 'replica1.cnf']);
    expect(fs.statSync(path.join(out, 'replica1.cnf')).mode & 0o777).toBe(0o644);
    expect(fs.readFileSync(path.join(out, 'primary.cnf'), 'utf8')).toContain('server_id = 101');
    const printed = await run('render', '-f', file);
    expect(printed.out).toContain('# ---- replica1.cnf ----');
    expect(printed.out).toContain('relay_log = replica1-relay-bin');
  });

  it('render of an invalid file exits 2 and writes nothing', async () => {
    const file = tmpTopology(VALID.replace('name: shop', 'name: BAD'));
    const out = path.join(path.dirname(file), 'rendered');
    expect((await run('render', '-f', file, '--out', out)).code).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  });
});
