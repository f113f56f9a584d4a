import * as os from 'node:os';
import type { DockerEngine } from '../../src/docker/engine';
import { lockName, TopologyLock } from '../../src/docker/lock';

/** An engine that holds marker containers in memory and records what was asked of it. */
class FakeEngine {
  containers = new Map<string, { id: string; name: string; labels: Record<string, string>; files: Map<string, string> }>();
  calls: string[] = [];
  private next = 1;

  private find(ref: string) {
    return [...this.containers.values()].find((c) => c.id === ref || c.name === ref);
  }
  async createMarker(name: string, _image: string, labels: Record<string, string>) {
    this.calls.push(`create ${name}`);
    if (this.find(name)) return undefined;
    const id = `id${this.next++}`;
    this.containers.set(id, { id, name, labels, files: new Map() });
    return id;
  }
  async inspect(ref: string) {
    const c = this.find(ref);
    return c && { Id: c.id, Created: '2026-12-03T00:00:00Z', Config: { Labels: c.labels } };
  }
  async remove(ref: string) {
    this.calls.push(`remove ${ref}`);
    const c = this.find(ref);
    if (c) this.containers.delete(c.id);
  }
  async putMarkerFile(ref: string, file: { path: string; content: string }) {
    const c = this.find(ref);
    if (!c) throw Object.assign(new Error('no such container'), { statusCode: 404 });
    c.files.set(file.path, file.content);
  }
  async readFile(ref: string, path: string) {
    return this.find(ref)?.files.get(path);
  }
}

const asEngine = (f: FakeEngine) => f as unknown as DockerEngine;

describe('the topology lock', () => {
  it('a second holder is refused while the first beats; after release the name is free again', async () => {
    const engine = new FakeEngine();
    const first = await TopologyLock.acquire(asEngine(engine), 'shop', 'img');
    const error = await TopologyLock.acquire(asEngine(engine), 'shop', 'img').catch((e) => e);
    expect(error.message).toMatch(
      new RegExp(`^another replikit up of topology shop is running \\(${os.hostname()}:${process.pid}, since `),
    );
    await first.release();
    expect(engine.containers.size).toBe(0);
    const second = await TopologyLock.acquire(asEngine(engine), 'shop', 'img');
    await second.release();
  });

  it('a lock whose holder on another machine stopped beating is taken over, by id; the old holder cannot remove its successor', async () => {
    const engine = new FakeEngine();
    const staleId = (await engine.createMarker(lockName('shop'), 'img', { 'io.replikit.lock-holder': 'elsewhere:42' }))!;
    engine.containers.get(staleId)!.files.set('/replikit-lock-beat', 'elsewhere:42 7\n');
    const started = Date.now();
    const lock = await TopologyLock.acquire(asEngine(engine), 'shop', 'img', 600);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(engine.calls).toContain(`remove ${staleId}`);
    expect(engine.calls).not.toContain(`remove ${lockName('shop')}`);
    expect(lock.id).not.toBe(staleId);
    // The old holder wakes up and releases what it held: by its id, which is gone.
    await engine.remove(staleId);
    expect(await engine.inspect(lockName('shop'))).toMatchObject({ Id: lock.id });
    await lock.release();
  });

  it('a lock from another machine that still beats is not taken over', async () => {
    const engine = new FakeEngine();
    const id = (await engine.createMarker(lockName('shop'), 'img', { 'io.replikit.lock-holder': 'elsewhere:42' }))!;
    let n = 0;
    const beat = setInterval(() => engine.containers.get(id)?.files.set('/replikit-lock-beat', `elsewhere:42 ${++n}`), 100);
    try {
      const error = await TopologyLock.acquire(asEngine(engine), 'shop', 'img', 600).catch((e) => e);
      expect(error.message).toMatch(/^another replikit up of topology shop is running \(elsewhere:42, since /);
      expect(engine.calls.filter((c) => c.startsWith('remove'))).toEqual([]);
    } finally {
      clearInterval(beat);
    }
  });
});
