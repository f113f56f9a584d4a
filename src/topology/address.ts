/** `HOST:PORT` or `[IPv6]:PORT` (the schema allows no other shape for `advertise:`). */
export function hostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) };
}

/** An address that means "this machine" wherever it is used: in a container, that container. */
export function isLoopback(address: string): boolean {
  return address === '::1' || address === 'localhost' || address.startsWith('127.');
}
