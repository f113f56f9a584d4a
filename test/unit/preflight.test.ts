import { preflightProblems, PreflightFacts } from '../../src/preflight/problems';
import { PreflightError } from '../../src/errors';
import { parse, VALID } from './helpers';

const t = parse(VALID);
const none: PreflightFacts = { named: [], missingImages: [], takenPorts: [] };

describe('preflight problems', () => {
  it('finds none when the names are free or ours, images pullable and ports free', () => {
    const facts: PreflightFacts = {
      named: [{ kind: 'container', name: 'shop-primary', owner: 'shop' }],
      missingImages: [{ image: 'mysql:8.0' }],
      takenPorts: [],
    };
    expect(preflightProblems(t, facts)).toEqual([]);
  });

  it('reports every clash, unpullable image and taken port at once, each with a fix', () => {
    const problems = preflightProblems(t, {
      named: [
        { kind: 'volume', name: 'shop-primary-data', owner: '' },
        { kind: 'network', name: 'shop-net', owner: 'other' },
      ],
      missingImages: [{ image: 'mysql:8.0', pullError: 'no route to registry' }],
      takenPorts: [{ node: 'replica1', bind: '127.0.0.1', port: 3308, holder: 'process nginx (pid 12)' }],
    });
    expect(problems).toEqual([
      {
        message: 'a volume named shop-primary-data already exists and was not created by replikit (no io.replikit.topology label)',
        hint: `remove it (docker volume rm shop-primary-data) if it is not needed, or change name: in ${t.file}`,
      },
      {
        message: 'a network named shop-net already exists and belongs to topology "other"',
        hint: `remove it (docker network rm shop-net) if it is not needed, or change name: in ${t.file}`,
      },
      expect.objectContaining({ message: 'image mysql:8.0 is not present and cannot be pulled: no route to registry' }),
      {
        node: 'replica1',
        message: 'host port 127.0.0.1:3308 is already in use by process nginx (pid 12)',
        hint: 'stop what holds it, or give node replica1 another port: (or leave port: out and Docker picks a free one)',
      },
    ]);
    const error = new PreflightError(problems);
    expect(error.exitCode).toBe(1);
    expect(error.describe()).toContain('4 problems found before anything was created:\n  - a volume named shop-primary-data');
    expect(error.describe()).toContain(
      '  - replica1: host port 127.0.0.1:3308 is already in use by process nginx (pid 12)\n    fix: stop what holds it',
    );
  });

  it('says "rm -f" for a container', () => {
    expect(preflightProblems(t, { ...none, named: [{ kind: 'container', name: 'shop-primary', owner: '' }] })[0].hint).toMatch(
      /^remove it \(docker rm -f shop-primary\)/,
    );
  });
});
