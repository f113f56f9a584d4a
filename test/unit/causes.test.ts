import { likelyCause } from '../../src/verify/causes';

const base = { lastIoErrno: 0, lastIoError: '', lastSqlErrno: 0, lastSqlError: '', sourceHost: 'shop-primary', sourcePort: 3306 };

describe('likely cause of a replication error', () => {
  it.each([
    [
      {
        lastIoErrno: 1045,
        lastIoError:
          "error connecting to master 'repl@shop-primary:3306' - retry-time: 2  maximum-retries: 100000  message: Access denied for user 'repl'@'172.18.0.3' (using password: YES)",
      },
      /^authentication: shop-primary:3306 refused/,
    ],
    [
      {
        lastIoErrno: 2061,
        lastIoError:
          "Error connecting to source 'repl@shop-primary:3306'. This was attempt 1/86400, with a delay of 2 seconds between attempts. Message: Authentication plugin 'caching_sha2_password' reported error: Authentication requires secure connection.",
      },
      /^authentication: shop-primary:3306 uses caching_sha2_password/,
    ],
    [
      {
        lastIoErrno: 2003,
        lastIoError: "error connecting to master 'repl@shop-primary:3306' - message: Can't connect to server on 'shop-primary' (111)",
      },
      /^network: shop-primary:3306 cannot be reached/,
    ],
    [{ lastIoErrno: 2005, lastIoError: "Unknown server host 'shop-primary' (-2)" }, /^network: /],
    [
      { lastIoErrno: 1593, lastIoError: 'Fatal error: The slave I/O thread stops because master and slave have equal MariaDB server ids' },
      /^duplicate server id: /,
    ],
    [
      {
        lastIoErrno: 1593,
        lastIoError: 'Fatal error: The replica I/O thread stops because source and replica have equal MySQL server UUIDs',
      },
      /^duplicate server UUID: /,
    ],
    [
      {
        lastIoErrno: 1236,
        lastIoError:
          "Got fatal error 1236 from master when reading data from binary log: 'Could not find first log file name in binary log index file'",
      },
      /binary log the replica needs/,
    ],
    [
      { lastSqlErrno: 1062, lastSqlError: "Could not execute Write_rows_v1 event on table app.t; Duplicate entry '3' for key 'PRIMARY'" },
      /^divergence: /,
    ],
  ])('%#: %o', (error, cause) => {
    expect(likelyCause({ ...base, ...error })).toMatch(cause);
  });

  it('has nothing to say when there is no error', () => {
    expect(likelyCause(base)).toBeUndefined();
  });
});
