/** How a program connects to one node: ready for mysql2's createConnection/createPool. */
export interface ConnectionConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  charset: 'utf8mb4';
  /** With replication.tls on: the topology's CA, so a client can check the server's certificate. */
  ssl?: { ca?: string | string[]; rejectUnauthorized?: boolean };
}

/** mysql://user:password@host:port/ with both parts percent-encoded (mysql2 and most drivers accept it). */
export function connectionUri(c: ConnectionConfig): string {
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  return `mysql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${host}:${c.port}/`;
}

/**
 * The same value with every password taken out (URIs keep the user, lose the password): what the
 * CLI prints with --json. The library returns passwords to its caller; the CLI never prints them.
 */
export function withoutSecrets<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (key, v) => {
      if (key === 'password') return undefined;
      if (key === 'uri' && typeof v === 'string') return v.replace(/^(mysql:\/\/[^:@/]*):[^@]*@/, '$1@');
      return v;
    }),
  );
}
