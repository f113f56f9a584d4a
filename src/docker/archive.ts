import { pack } from 'tar-stream';

export interface ArchiveFile {
  /** Path inside the container, absolute. */
  path: string;
  content: string;
  mode: number;
  uid?: number;
  gid?: number;
}

/**
 * A tar archive for the Engine API's "put archive" call: files reach the container before it
 * starts, with no bind mount, so the same topology works against a remote engine.
 */
export async function tarOf(files: ArchiveFile[]): Promise<Buffer> {
  const p = pack();
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.replace(/^\/+/, '').split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!dirs.has(dir)) {
        dirs.add(dir);
        p.entry({ name: `${dir}/`, type: 'directory', mode: 0o755 });
      }
    }
    p.entry({ name: parts.join('/'), mode: f.mode, uid: f.uid ?? 0, gid: f.gid ?? 0 }, f.content);
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of p) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
