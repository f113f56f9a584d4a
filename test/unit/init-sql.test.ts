import { splitStatements } from '../../src/replication/init-sql';
import * as fs from 'node:fs';

describe('init SQL scripts', () => {
  it('splits on ; outside strings and comments', () => {
    expect(splitStatements("-- c; x\nSELECT 'a;b'; /* ; */ SELECT \"q\\\";\" ;# tail;\nSELECT `we;ird`")).toEqual([
      "SELECT 'a;b'",
      'SELECT "q\\";"',
      'SELECT `we;ird`',
    ]);
  });
  it('splits the shipped seed files into their statements', () => {
    const schema = splitStatements(fs.readFileSync(`${__dirname}/../../configs/seed/schema.sql`, 'utf8'));
    const fixtures = splitStatements(fs.readFileSync(`${__dirname}/../../configs/seed/fixtures.sql`, 'utf8'));
    expect(schema).toHaveLength(2);
    expect(fixtures).toHaveLength(1);
    expect(fixtures[0]).toContain("'a ; inside a string does not end the statement'");
  });
});
