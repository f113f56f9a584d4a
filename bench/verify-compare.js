#!/usr/bin/env node
/**
 * replikit verify against pt-table-checksum (percona-toolkit), on the same data:
 *
 *   npm run build && node bench/verify-compare.js [IMAGE] [--rows 1000000]
 *
 * A fresh 1 primary + 1 replica of IMAGE (default replikit/mariadb:10.11) gets a table of ROWS
 * rows; then, on the replica alone (not binlogged), one row is changed, one deleted and one
 * added. Each tool runs once on the diverged data; the script prints what each found and how
 * long it took, then one JSON document on the last line. pt-table-checksum must be installed
 * (apt-get install percona-toolkit); its password comes from a 0600 option file.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { createConnection } = require('mysql2/promise');
const lib = require('../dist');

const { option: opt, image, DIGITS } = require('./args');
const ROWS = Number(opt('rows', 1_000_000));
const IMAGE = image();
const env = { MYSQL_ROOT_PASSWORD: 'cmp-root-pw', MYSQL_REPLICATION_PASSWORD: 'cmp-repl-pw' };

async function main() {
  const name = 'rk-verify-cmp';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-cmp-'));
  const file = path.join(dir, 'replikit.yaml');
  fs.writeFileSync(file, `version: 1\nname: ${name}\nimage: ${IMAGE}\ncredentials:\n  root_password: \${MYSQL_ROOT_PASSWORD}\n  replication_password: \${MYSQL_REPLICATION_PASSWORD}\nnodes:\n  primary:\n    role: primary\n  replica1:\n    role: replica\n`);
  const t = lib.loadTopology(file, { env });
  await lib.down(name, { volumes: true });
  const db = await lib.up(t, { progress: 'silent' });
  const [primary, replica] = db.nodes;
  try {
    const p = await createConnection(primary.connection);
    await p.query('CREATE DATABASE cmp');
    await p.query('CREATE TABLE cmp.items (id INT PRIMARY KEY, n INT NOT NULL, payload VARCHAR(100) NOT NULL)');
    const started = Date.now();
    // Loaded in steps of 100,000 rows (six digits of a cross join), each one transaction.
    for (let base = 0; base < ROWS; base += 100_000) {
      await p.query(
        `INSERT INTO cmp.items SELECT ${base} + 1 + a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n, a.n, SHA2(CONCAT(${base}, a.n, b.n, c.n, d.n, e.n), 256) FROM ${DIGITS} a, ${DIGITS} b, ${DIGITS} c, ${DIGITS} d, ${DIGITS} e`,
      );
    }
    await p.end();
    await lib.waitForReplication(db, { timeoutMs: 600_000 });
    console.log(`loaded ${ROWS} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // The divergence, on the replica only.
    const r = await createConnection(replica.connection);
    await r.query('SET SESSION sql_log_bin = 0');
    const changed = Math.floor(ROWS * 0.2);
    const deleted = Math.floor(ROWS * 0.6);
    await r.query("UPDATE cmp.items SET payload = 'changed on the replica' WHERE id = ?", [changed]);
    await r.query('DELETE FROM cmp.items WHERE id = ?', [deleted]);
    await r.query("INSERT INTO cmp.items VALUES (?, 0, 'only on the replica')", [ROWS + 1]);
    await r.end();
    console.log(`diverged the replica: row ${changed} changed, row ${deleted} deleted, row ${ROWS + 1} added`);

    let t0 = Date.now();
    const v = await lib.verify(t);
    const replikitMs = Date.now() - t0;
    const items = v.tables.find((x) => x.table === '`cmp`.`items`');
    const replikitFound = (items.differences ?? []).map((d) => `${d.range} (primary ${d.sourceRows} rows, replica ${d.replicaRows})`);
    console.log(`replikit verify: ${(replikitMs / 1000).toFixed(2)} s, ${items.chunks} chunks, ${replikitFound.length} differing chunk(s):`);
    for (const f of replikitFound) console.log(`  ${f}`);

    // pt-table-checksum: the replica found through a DSN table, the password in an option file.
    const cnf = path.join(dir, 'client.cnf');
    fs.writeFileSync(cnf, `[client]\nuser=root\npassword=${env.MYSQL_ROOT_PASSWORD}\n`, { mode: 0o600 });
    const q = await createConnection(primary.connection);
    await q.query('CREATE DATABASE IF NOT EXISTS percona');
    await q.query('CREATE TABLE IF NOT EXISTS percona.dsns (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT NULL, dsn VARCHAR(255) NOT NULL)');
    await q.query('INSERT INTO percona.dsns (dsn) VALUES (?)', [`h=127.0.0.1,P=${replica.port}`]);
    await q.end();
    await lib.waitForReplication(db);
    t0 = Date.now();
    const pt = spawnSync(
      'pt-table-checksum',
      [`--defaults-file=${cnf}`, `h=127.0.0.1,P=${primary.port}`, '--databases=cmp', '--recursion-method=dsn=D=percona,t=dsns', '--no-check-binlog-format', '--no-version-check'],
      { encoding: 'utf8', timeout: 1_800_000 },
    );
    const ptMs = Date.now() - t0;
    console.log(`pt-table-checksum: ${(ptMs / 1000).toFixed(2)} s, exit ${pt.status}`);
    console.log(pt.stdout.trim());
    if (pt.stderr.trim()) console.log(pt.stderr.trim());
    // Its own report of which chunks differ, read from the checksums table on the replica.
    const rr = await createConnection(replica.connection);
    const [chunks] = await rr.query(
      'SELECT chunk, lower_boundary, upper_boundary, this_cnt, master_cnt FROM percona.checksums WHERE db = ? AND tbl = ? AND (this_crc <> master_crc OR this_cnt <> master_cnt) ORDER BY chunk',
      ['cmp', 'items'],
    );
    await rr.end();
    const ptFound = chunks.map((c) => `chunk ${c.chunk}: id ${c.lower_boundary ?? '-∞'} .. ${c.upper_boundary ?? '+∞'} (primary ${c.master_cnt} rows, replica ${c.this_cnt})`);
    for (const f of ptFound) console.log(`  ${f}`);
    console.log(JSON.stringify({ image: IMAGE, rows: ROWS, replikit: { seconds: replikitMs / 1000, chunks: items.chunks, found: replikitFound }, ptTableChecksum: { seconds: ptMs / 1000, exit: pt.status, found: ptFound } }));
  } finally {
    await lib.down(name, { volumes: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
