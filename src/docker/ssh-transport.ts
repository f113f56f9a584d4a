import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { Client, ConnectConfig } from 'ssh2';

/** How long an idle SSH connection (and its idle channels) is kept for the next Engine API call. */
const IDLE_MS = 1000;

/**
 * The Engine API over ssh, as the docker CLI reaches it: a channel running `docker system
 * dial-stdio` on the host is one connection to its engine. dockerode's own ssh transport makes
 * a new SSH login and a new dial-stdio for every call (1–2 s each here); this agent keeps one SSH
 * connection per engine and keeps its channels alive between requests (HTTP keep-alive), so a
 * run pays for a handful of them. Once nothing is in flight for a second the connection closes,
 * so nothing holds a process open.
 */
export function sshAgent(config: ConnectConfig): http.Agent {
  let client: Promise<Client> | undefined;
  let busy = 0;
  let idle: NodeJS.Timeout | undefined;
  const connect = () =>
    (client ??= new Promise<Client>((resolve, reject) => {
      const c = new Client();
      c.once('ready', () => resolve(c));
      c.once('error', (e) => {
        client = undefined;
        reject(e);
      });
      c.once('close', () => (client = undefined));
      c.connect(config);
    }));
  const take = () => {
    clearTimeout(idle);
    busy++;
  };
  const release = () => {
    if (--busy > 0) return;
    idle = setTimeout(
      () =>
        void client?.then(
          (c) => c.end(),
          () => undefined,
        ),
      IDLE_MS,
    ).unref();
  };

  const agent = new http.Agent({ keepAlive: true });
  // http asks its agent for a socket; a channel is a duplex stream, which is all a request needs.
  (agent as unknown as { createConnection: unknown }).createConnection = (
    _options: unknown,
    callback: (e: Error | null, s?: Duplex) => void,
  ) => {
    take();
    connect().then(
      (c) =>
        c.exec('docker system dial-stdio', (e, channel) => {
          if (e) return (release(), callback(e));
          // In use until http frees it for the next request, or it closes (an exec's hijacked stream ends).
          let inUse = true;
          channel.on('free', () => inUse && ((inUse = false), release()));
          channel.once('close', () => inUse && ((inUse = false), release()));
          // What http's keep-alive asks of a TCP socket; a channel has no such settings.
          Object.assign(channel, {
            reused: () => !inUse && ((inUse = true), take()),
            ref: noop,
            unref: noop,
            setKeepAlive: noop,
            setTimeout: noop,
            setNoDelay: noop,
          });
          callback(null, channel);
        }),
      (e: Error) => (release(), callback(e)),
    );
  };
  const reuse = agent.reuseSocket.bind(agent);
  agent.reuseSocket = (socket, request) => {
    reuse(socket, request);
    (socket as unknown as { reused?: () => void }).reused?.();
  };
  return agent;
}

function noop(): void {}
