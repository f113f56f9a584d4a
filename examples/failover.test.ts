/**
 * Rehearsing a failover in an application's test suite: a topology of its own (not the shared
 * one the globalSetup started), semi-synchronous so no acknowledged write is lost; the primary's
 * container killed as a crash would; `failover` promotes the replica that holds the most; the
 * application reconnects to the new primary and finds every row it was told was committed.
 */
import { execFileSync } from 'node:child_process';
import { createConnection } from 'mysql2/promise';
import { down, failover, status, up, type TopologyInput } from 'replikit';

const topology: TopologyInput = {
  image: process.env.REPLIKIT_IMAGE,
  replication: { mode: 'gtid', semi_sync: true },
  nodes: { primary: { role: 'primary' }, replica1: { role: 'replica' }, replica2: { role: 'replica' } },
};

afterAll(() => down(topology, { volumes: true }));

test('the primary dies; after failover the application writes to the new primary and lost nothing', async () => {
  const db = await up(topology);
  const app = await createConnection(db.nodes[0].connection);
  await app.query('CREATE DATABASE shop');
  await app.query('CREATE TABLE shop.orders (id INT AUTO_INCREMENT PRIMARY KEY, item VARCHAR(50) NOT NULL)');
  const committed: number[] = [];
  for (let i = 0; i < 50; i++) {
    const [res] = await app.query('INSERT INTO shop.orders (item) VALUES (?)', [`order ${i}`]);
    committed.push((res as { insertId: number }).insertId);
  }
  await app.end();

  // A crash: the container is killed, and kept down.
  const container = db.nodes[0].container;
  execFileSync('docker', ['kill', container]);
  execFileSync('docker', ['stop', container]);

  const f = await failover(topology);
  expect(f.oldPrimary).toBe('primary');
  // status says who the primary is now, with a connection to it (so does f.connection).
  const now = await status(topology);
  expect(now.primary?.node).toBe(f.newPrimary);

  const again = await createConnection(now.primary!.connection);
  const [rows] = await again.query('SELECT id FROM shop.orders ORDER BY id');
  expect((rows as { id: number }[]).map((r) => r.id)).toEqual(committed);
  await again.query("INSERT INTO shop.orders (item) VALUES ('after the failover')");
  await again.end();
});
