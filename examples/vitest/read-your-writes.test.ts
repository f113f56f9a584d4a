/**
 * The Jest example's suite (examples/read-your-writes.test.ts) as a Vitest user writes it: the
 * database comes from the globalSetup through inject(), not from a file.
 */
import { createConnection, createPool, Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { waitForReplication } from 'replikit/vitest';
import type { UpResult } from 'replikit/vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    replikit: UpResult;
  }
}

const db = inject('replikit');
const [primary, ...replicas] = db.nodes;
let writer: Pool;
let readers: Pool[];

beforeAll(async () => {
  writer = createPool({ ...primary.connection, connectionLimit: 2 });
  readers = replicas.map((r) => createPool({ ...r.connection, connectionLimit: 2 }));
  await writer.query('CREATE DATABASE IF NOT EXISTS shop');
  await writer.query('CREATE TABLE IF NOT EXISTS shop.orders (id INT AUTO_INCREMENT PRIMARY KEY, item VARCHAR(50) NOT NULL)');
});

afterAll(async () => {
  await Promise.all([writer, ...readers].map((p) => p.end()));
});

test('the topology is one primary and two replicas of it', () => {
  expect(db.nodes.map((n) => [n.name, n.role, n.source ?? null])).toEqual([
    ['primary', 'primary', null],
    ['replica1', 'replica', 'primary'],
    ['replica2', 'replica', 'primary'],
  ]);
  expect(primary.uri).toMatch(/^mysql:\/\/root:[^@]+@127\.0\.0\.1:\d+\/$/);
});

test('a write on the primary is read back from every replica after waitForReplication', async () => {
  const [res] = await writer.query('INSERT INTO shop.orders (item) VALUES (?)', ['coffee beans']);
  const id = (res as { insertId: number }).insertId;
  await waitForReplication(db);
  for (const reader of readers) {
    const [rows] = await reader.query<RowDataPacket[]>('SELECT item FROM shop.orders WHERE id = ?', [id]);
    expect(rows).toEqual([{ item: 'coffee beans' }]);
  }
});

test('replicas refuse application writes', async () => {
  const app = await createConnection(primary.connection);
  await app.query("CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'app-password'");
  await app.query("GRANT SELECT, INSERT ON shop.* TO 'app'@'%'");
  await app.end();
  await waitForReplication(db);
  const onReplica = await createConnection({ ...replicas[0].connection, user: 'app', password: 'app-password' });
  try {
    await expect(onReplica.query("INSERT INTO shop.orders (item) VALUES ('tea')")).rejects.toThrow(/read-only|READ ONLY|read_only/i);
  } finally {
    await onReplica.end();
  }
});
