import * as ini from 'ini';
import { variableName } from '../flavors/dialect';
import type { SettingChange } from './operations';

/**
 * Settings other operations own: read-only state follows the role (set-read-only), GTID state
 * follows the mode (set-mode), init_file never changes. A difference in them alone needs no
 * restart and no SET GLOBAL of its own.
 */
const OWNED_ELSEWHERE = ['read_only', 'super_read_only', 'gtid_mode', 'enforce_gtid_consistency', 'gtid_strict_mode', 'init_file'];

export function ownedElsewhere(c: SettingChange): boolean {
  return OWNED_ELSEWHERE.includes(variableName(c.name));
}

function mysqldSection(text: string): Map<string, { name: string; value: string }> {
  const section = (ini.decode(text).mysqld ?? {}) as Record<string, unknown>;
  return new Map(
    Object.entries(section).map(([name, v]) => [variableName(name), { name, value: Array.isArray(v) ? v.join(',') : String(v) }]),
  );
}

/**
 * The [mysqld] settings that differ between the my.cnf a node runs with and the one the topology
 * renders: pure.
 */
export function configChanges(observed: string, desired: string): SettingChange[] {
  const before = mysqldSection(observed);
  const after = mysqldSection(desired);
  const changes: SettingChange[] = [];
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(k);
    const a = after.get(k);
    if (b?.value === a?.value) continue;
    changes.push({ name: (a ?? b)!.name, ...(b ? { from: b.value } : {}), ...(a ? { to: a.value } : {}) });
  }
  return changes.sort((x, y) => x.name.localeCompare(y.name));
}

/** `binlog_format ROW → MIXED`, `thread_stack (added) 512K`, `max_connections 80 → (removed)`. */
export function describeChange(c: SettingChange): string {
  return `${c.name} ${c.from ?? '(unset)'} → ${c.to ?? '(unset)'}`;
}
