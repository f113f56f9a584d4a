import { interpolate, parseDotenv, environmentLookup } from '../../src/topology/interpolate';
import { ENV, parse, problemsOf, VALID } from './helpers';
import { readTopologyName } from '../../src/topology/name';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

describe('${VAR} interpolation', () => {
  const lookup = (n: string) => (({ A: 'a$b', EMPTY: '' }) as Record<string, string>)[n];
  it('substitutes, defaults and escapes', () => {
    expect(interpolate('x${A}y', lookup)).toEqual({ value: 'xa$by', missing: [] });
    expect(interpolate('${NOPE:-fallback}', lookup).value).toBe('fallback');
    expect(interpolate('${EMPTY:-fallback}', lookup).value).toBe('fallback');
    expect(interpolate('cost: $$5', lookup).value).toBe('cost: $5');
    expect(interpolate('${NOPE} ${ALSO}', lookup).missing).toEqual(['NOPE', 'ALSO']);
  });

  it('reads .env files, the environment winning over them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-env-'));
    fs.writeFileSync(path.join(dir, '.env'), "# comment\nA=from-file\nB='quoted \"x\"'\nexport C='single $x'\nD=plain # trailing\n");
    const get = environmentLookup({ A: 'from-env' }, [path.join(dir, '.env'), path.join(dir, 'missing.env')]);
    expect([get('A'), get('B'), get('C'), get('D'), get('E')]).toEqual(['from-env', 'quoted "x"', 'single $x', 'plain', undefined]);
  });

  it('parses dotenv lines as dotenv does: comments, export, quotes; a backslash in a password stays', () => {
    expect(parseDotenv('K=v\n\n# note\nexport X = y \nQ=\'it is\' # why\nP="a\\\\b\\nc"\nR=a\\b')).toEqual({
      K: 'v',
      X: 'y',
      Q: 'it is',
      P: 'a\\\\b\nc',
      R: 'a\\b',
    });
  });
});

describe('${VAR} values take the type the schema asks for', () => {
  const text = VALID.replace('port: 3307', 'port: ${PORT}');
  it('port: ${PORT} is an integer', () => {
    expect(parse(text, { ...ENV, PORT: '3399' }).nodes.find((n) => n.name === 'primary')?.port).toBe(3399);
  });
  it('a value that is not one is a positioned error', () => {
    expect(problemsOf(text, { ...ENV, PORT: 'abc' }).map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`)).toEqual([
      '18:11 nodes.primary.port: must be integer',
    ]);
  });
});

describe('the topology name alone (down, ps, logs)', () => {
  it('is interpolated as validate and up interpolate it, from the environment or .env beside the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-name-'));
    fs.writeFileSync(path.join(dir, 'replikit.yaml'), 'version: 1\nname: ${PROJECT}-db\n');
    fs.writeFileSync(path.join(dir, '.env'), 'PROJECT=shop\n');
    expect(readTopologyName(path.join(dir, 'replikit.yaml'))).toBe('shop-db');
  });
});
