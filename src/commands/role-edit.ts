import * as fs from 'node:fs';
import { lineDiff, switchoverEdit } from '../topology/edit';

/**
 * The topology file's edit after a role change (switchover, failover): OLD replicates from NEW.
 * Written with `write`; either way the line diff is returned. A topology given as an object in
 * code has no file: nothing to edit.
 */
export function editRoles(file: string, oldPrimary: string, newPrimary: string, write: boolean): { edit: string; written: boolean } {
  if (!fs.existsSync(file)) return { edit: '', written: false };
  const before = fs.readFileSync(file, 'utf8');
  const after = switchoverEdit(before, oldPrimary, newPrimary);
  if (write) fs.writeFileSync(file, after);
  return { edit: lineDiff(before, after), written: write };
}
