import { isMap, parseDocument, YAMLMap } from 'yaml';
import { optionKey } from './types';

/**
 * The topology file after a switchover: NEW is the primary (without the delay: it had as a
 * replica), OLD replicates from it, and any node that named OLD as its source names NEW; a
 * read_only either one's own settings gave it for its old role goes. Comments and layout are
 * kept. Pure: text in, text out.
 */
export function switchoverEdit(text: string, oldPrimary: string, newPrimary: string): string {
  const doc = parseDocument(text);
  const nodes = doc.get('nodes') as YAMLMap;
  if (!isMap(nodes)) throw new Error('topology has no nodes map');
  for (const pair of nodes.items) {
    const name = String((pair.key as { value?: unknown })?.value ?? pair.key);
    const node = pair.value as YAMLMap;
    if (!isMap(node)) continue;
    // A read_only in the node's own settings followed its old role: the role decides it now.
    if (name === newPrimary || name === oldPrimary) dropReadOnly(node);
    if (name === newPrimary) {
      node.set('role', 'primary');
      node.delete('source');
      // A primary applies nothing late: the delay it had as a replica ended with its promotion.
      node.delete('delay');
    } else if (name === oldPrimary) {
      node.set('role', 'replica');
      node.set('source', newPrimary);
    } else if (node.get('source') === oldPrimary) {
      node.set('source', newPrimary);
    }
  }
  return doc.toString();
}

/** Removes read_only and super_read_only, in any spelling, from a node's own mysqld: settings. */
function dropReadOnly(node: YAMLMap): void {
  const settings = node.get('mysqld');
  if (!isMap(settings)) return;
  for (const pair of [...settings.items]) {
    const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
    if (['read_only', 'super_read_only'].includes(optionKey(key))) settings.delete(pair.key);
  }
}

/** A line diff (`- ` removed, `+ ` added, changed lines only) by longest common subsequence. */
export function lineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  while (i < a.length) out.push(`- ${a[i++]}`);
  while (j < b.length) out.push(`+ ${b[j++]}`);
  return out.join('\n');
}
