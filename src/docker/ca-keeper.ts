import type { CaKeeper, CaPem } from '../tls/certificates';
import type { DockerEngine } from './engine';
import type { TopologyEngines } from './engines';
import type { Topology } from '../topology/types';

const CA_LABEL = 'io.replikit.ca';
const CERT = '/replikit-ca.pem';
const KEY = '/replikit-ca-key.pem';

export const caKeeperName = (topology: string) => `replikit-ca-${topology}`;

/**
 * The topology's CA kept with the topology on its first node's engine (as the lock is), in a
 * container that never starts: `up` from another machine, or another user, finds it there and
 * issues certificates from the same CA instead of replacing every node's. Whoever can read it
 * can use that engine already. `down --volumes` removes it.
 */
export class EngineCaKeeper implements CaKeeper {
  constructor(
    private readonly engine: DockerEngine,
    private readonly topology: string,
    private readonly image: string,
  ) {}

  async read(): Promise<CaPem | undefined> {
    const name = caKeeperName(this.topology);
    const [cert, key] = await Promise.all([this.engine.readFile(name, CERT), this.engine.readFile(name, KEY)]);
    return cert && key ? { cert, key } : undefined;
  }

  async write(ca: CaPem): Promise<void> {
    const name = caKeeperName(this.topology);
    // Made once; a keeper left half-written (no key) is written again.
    const id = (await this.engine.createMarker(name, this.image, { [CA_LABEL]: this.topology })) ?? (await this.engine.inspect(name))!.Id;
    await this.engine.putMarkerFile(id, { path: CERT, content: ca.cert, mode: 0o644 });
    await this.engine.putMarkerFile(id, { path: KEY, content: ca.key, mode: 0o600 });
  }
}

/** The keeper on the engine that holds the topology's lock: its first node's. */
export function caKeeperOf(engines: TopologyEngines, t: Topology): EngineCaKeeper {
  return new EngineCaKeeper(engines.of(t.nodes[0].name), t.name, t.nodes[0].image);
}
