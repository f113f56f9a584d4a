/**
 * Error types. Every error a user sees says what went wrong, where (file position or node) and
 * what to do next; `exitCode` maps it onto the CLI's contract: 2 bad input or usage, 1 runtime.
 */
export class ReplikitError extends Error {
  readonly exitCode: number = 1;
  constructor(
    message: string,
    /** What to do next; later stages may add to it (e.g. what a failed run left behind). */
    public hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The message with its hint, as the CLI prints it. */
  describe(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }
}

/** Bad input or usage: nothing was created. */
export class InputError extends ReplikitError {
  override readonly exitCode = 2;
}

/** One problem found in a topology file, positioned for editors and people alike. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  /** Dotted key path, e.g. `nodes.replica1.source`; empty for the document itself. */
  path: string;
  message: string;
  hint?: string;
}

export function formatProblem(p: Problem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  const at = p.path ? ` ${p.path}:` : '';
  return `${where}:${at} ${p.message}${p.hint ? ` (${p.hint})` : ''}`;
}

/** A topology file that cannot be used; carries every problem found, not just the first. */
export class TopologyError extends InputError {
  constructor(readonly problems: Problem[]) {
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${problems[0]?.file ?? 'topology'}:\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
  }
}

/** A runtime failure on one node (Docker or SQL), wrapping the low-level cause. */
export class NodeError extends ReplikitError {
  constructor(
    readonly node: string,
    message: string,
    hint?: string,
    cause?: unknown,
  ) {
    super(`${node}: ${message}${causeText(cause, message)}`, hint, { cause });
  }
}

function causeText(cause: unknown, message: string): string {
  if (!cause) return '';
  const text = cause instanceof Error ? cause.message : String(cause);
  return message.includes(text) ? '' : `: ${text}`;
}

/** Problems of the environment (engine, images, ports, names) found before anything was created. */
export class PreflightError extends ReplikitError {
  constructor(readonly problems: { node?: string; message: string; hint: string }[]) {
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} found before anything was created:\n` +
        problems.map((p) => `  - ${p.node ? `${p.node}: ` : ''}${p.message}\n    fix: ${p.hint}`).join('\n'),
      'nothing was created; fix the above and run replikit up again',
    );
  }
}
