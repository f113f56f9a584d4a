import { Document, isMap, isPair, isScalar, LineCounter, Node, Pair } from 'yaml';
import type { Problem } from '../errors';

/** Maps key paths of a parsed YAML document back to file positions for error messages. */
export class Positions {
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * A problem at `path`. With `onKey`, it points at the key itself (for unknown or misspelt keys);
   * otherwise at the value. A path that does not exist points at its nearest existing parent.
   */
  problem(path: (string | number)[], message: string, hint?: string, onKey = false): Problem {
    const offset = this.offsetOf(path, onKey);
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col, path: path.map(pathPart).join('.'), message, ...(hint ? { hint } : {}) };
  }

  at(offset: number, message: string): Problem {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col, path: '', message };
  }

  private offsetOf(path: (string | number)[], onKey: boolean): number {
    for (let depth = path.length; depth >= 0; depth--) {
      const sub = path.slice(0, depth);
      if (depth > 0 && (onKey || depth < path.length)) {
        const pair = this.pairAt(sub);
        const key = pair?.key as Node | undefined;
        if (key?.range) return key.range[0];
      }
      const node = (depth === 0 ? this.doc.contents : this.doc.getIn(sub, true)) as Node | undefined;
      if (node?.range) return node.range[0];
    }
    return 0;
  }

  private pairAt(path: (string | number)[]): Pair | undefined {
    const parent = path.length === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) return undefined;
    const last = path[path.length - 1];
    return parent.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(last));
  }
}

/** Plain keys as they are; anything that is not a plain word is quoted, so a path stays one line. */
function pathPart(p: string | number): string {
  return typeof p === 'number' || /^[A-Za-z0-9_-]+$/.test(p) ? String(p) : JSON.stringify(p);
}
