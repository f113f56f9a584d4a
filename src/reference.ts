import type { Command, Option } from 'commander';
import { program } from './cli';
import { DISRUPTION, WHEN } from './plan/operations';
import { UP_STEPS } from './plan/steps';

/**
 * The parts of the documentation that the code already says: the commands (from the CLI's own
 * definitions) and the operations of `up` (from the step table, WHEN and DISRUPTION). They sit
 * in README.md and docs/ between `<!-- generated: NAME -->` and `<!-- end generated: NAME -->`;
 * scripts/gen-docs.js writes them, test/unit/docs.test.ts fails when one is not current.
 */
export const GENERATED: Record<string, () => string> = {
  commands: commandsTable,
  operations: operationsTable,
};

/** `text` with each generated block replaced by what the code says now. */
export function withGenerated(text: string): string {
  return text.replace(
    /(<!-- generated: (\w+) -->\n)[\s\S]*?(<!-- end generated: \2 -->)/g,
    (_, open: string, name: string, close: string) => {
      const make = GENERATED[name];
      if (!make) throw new Error(`no generated block named ${name}`);
      return `${open}${make()}\n${close}`;
    },
  );
}

/** Options every command shares, said once above the table. */
const COMMON = new Set(['--file', '--json', '--quiet', '--help']);

function commandsTable(): string {
  const rows = program().commands.map((c: Command) => {
    const args = c.registeredArguments.map((a) => {
      const name = a.name().replace(/-/g, '_').toUpperCase();
      return a.required ? name : `[${name}]`;
    });
    const options = c.options.filter((o: Option) => !COMMON.has(o.long ?? '')).map(optionUsage);
    return `| \`${[c.name(), ...args, ...options].join(' ')}\` | ${c.description().replace(/\|/g, '\\|')} |`;
  });
  return ['| command | what it does |', '|---|---|', ...rows].join('\n');
}

function optionUsage(o: Option): string {
  const value = /[<[]([\w-]+)[>\]]/.exec(o.flags)?.[1];
  return `[${o.long}${value ? ` ${value.toUpperCase()}` : ''}]`;
}

function operationsTable(): string {
  const rows = UP_STEPS.flatMap((step) =>
    step.kinds.map(
      (kind) => `| \`${kind}\` | ${step.title} | ${WHEN[kind].replace(/\|/g, '\\|')} | ${DISRUPTION[kind].replace(/\|/g, '\\|')} |`,
    ),
  );
  return ['| operation | step of `up` | when | disruption |', '|---|---|---|---|', ...rows].join('\n');
}
