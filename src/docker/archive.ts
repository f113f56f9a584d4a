import { extract, pack } from 'tar-stream';

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

/** The text of the first file in a tar stream (the Engine API's "get archive" of one path). */
export async function firstFileOf(stream: NodeJS.ReadableStream): Promise<string | undefined> {
  const x = extract();
  (stream as NodeJS.ReadableStream).pipe(x);
  let text: string | undefined;
  for await (const entry of x) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    if (text === undefined && entry.header.type === 'file') text = Buffer.concat(chunks).toString('utf8');
  }
  return text;
}
