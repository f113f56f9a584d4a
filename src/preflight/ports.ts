import * as fs from 'node:fs';
import * as net from 'node:net';

/** True when nothing on this host listens on bind:port (we can bind it ourselves). */
export function portIsFree(bind: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' || e.code === 'EACCES' ? resolve(false) : reject(e)));
    server.listen({ host: bind, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** True when something accepts a TCP connection on host:port within two seconds (a remote host's port is taken). */
export function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    const done = (answered: boolean) => (socket.destroy(), resolve(answered));
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * The local process listening on a TCP port, as "name (pid N)", read from /proc. Best effort:
 * undefined on other systems or without the rights to look.
 */
export function processListening(port: number): string | undefined {
  try {
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      if (!fs.existsSync(table)) continue;
      for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        // local_address is HEX_IP:HEX_PORT; state 0A is LISTEN; field 9 is the socket inode.
        if (f.length > 9 && f[3] === '0A' && parseInt(f[1].split(':')[1], 16) === port) inodes.add(f[9]);
      }
    }
    if (!inodes.size) return undefined;
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let fds: string[];
      try {
        fds = fs.readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let target = '';
        try {
          target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m && inodes.has(m[1])) return `process ${fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()} (pid ${pid})`;
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}
