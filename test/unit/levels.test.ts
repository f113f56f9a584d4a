import { levels } from '../../src/topology/types';

describe('levels', () => {
  it('groups a chain by depth whatever the order of the list', () => {
    const nodes = [
      { name: 'leaf', source: 'relay' },
      { name: 'primary' },
      { name: 'replica1', source: 'primary' },
      { name: 'relay', source: 'primary' },
    ];
    expect(levels(nodes).map((l) => l.map((n) => n.name))).toEqual([['primary'], ['replica1', 'relay'], ['leaf']]);
  });
});
