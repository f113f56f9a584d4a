/**
 * The one runner of replikit's commands: `up`, `plan` and `switchover` are tables of steps it
 * walks in order. A step is work of its own, or lines under it (the operations of a plan, the
 * nodes of a phase), decided when the step starts and run at once or in turn. The runner holds
 * no decision of its own: which lines a step has is the table's; what they do is theirs. It tells
 * what happens as events (run/events.ts); renderers show them, the library shows none.
 */
import type { RunEvent, RunEvents, Shape } from './events';

/** What a piece of work may say while it runs: a new title (its result), or progress. */
export interface LineOut {
  title(text: string): void;
  output(text: string): void;
}

/** A line under a step: work of its own, or lines under it. */
export interface Line {
  title: string;
  run?: (out: LineOut) => Promise<void>;
  lines?: Line[];
  /** Lines under it at once (default) or one after the other. */
  inTurn?: boolean;
}

export interface Step<C> {
  /** Fixed, or named from the run (the nodes a switchover moves). */
  title: string | ((c: C) => string);
  /** The lines under this step, decided as it starts; an empty list: nothing to do, the step is not shown. */
  lines?: (c: C) => Line[];
  /** Lines under it one after the other (default: at once; they touch different nodes). */
  inTurn?: boolean;
  /** The step's own work, when it has no lines. */
  run?: (c: C, out: LineOut) => Promise<void>;
  /** Why the step has nothing to do this time (shown as skipped), or false. */
  skip?: (c: C) => string | false;
  /**
   * From this step on the run completes, whatever the abort signal says: stopping half-way would
   * leave worse than either end (a promotion: two writable primaries, or none).
   */
  pointOfNoReturn?: boolean;
}

export interface RunOptions {
  events?: RunEvents;
  /** Checked between steps until a point of no return; work that takes long checks it itself. */
  signal?: AbortSignal;
}

/** Runs the steps in order, stopping at the first that fails; that error is thrown as it was. */
export async function runSteps<C>(steps: readonly Step<C>[], c: C, options: RunOptions = {}): Promise<void> {
  const emit: RunEvents = options.events ?? (() => undefined);
  let next = 0;
  const id = () => String(++next);
  let committed = false;
  for (const step of steps) {
    committed ||= Boolean(step.pointOfNoReturn);
    if (!committed) options.signal?.throwIfAborted();
    const skipped = step.skip?.(c);
    if (skipped) {
      const shape: Shape = { id: id(), title: titleOf(step, c) };
      emit({ type: 'step', step: shape });
      emit({ type: 'skipped', id: shape.id, reason: skipped });
      continue;
    }
    const lines = step.lines?.(c);
    if (lines && !lines.length) continue;
    const shape: Shape = { id: id(), title: titleOf(step, c), inTurn: step.inTurn };
    const work = lines ? shapeLines(lines, shape, id) : [];
    emit({ type: 'step', step: shape });
    try {
      if (lines) await runLines(work, Boolean(step.inTurn), emit);
      else await step.run?.(c, lineOut(shape.id, emit));
      emit({ type: 'done', id: shape.id });
    } catch (error) {
      emit({ type: 'failed', id: shape.id, error });
      throw error;
    }
  }
}

const titleOf = <C>(step: Step<C>, c: C): string => (typeof step.title === 'string' ? step.title : step.title(c));

interface Shaped {
  shape: Shape;
  line: Line;
  lines: Shaped[];
}

/** Ids for every line, given before any runs: a renderer lays out a step's lines as it starts. */
function shapeLines(lines: Line[], parent: Shape, id: () => string): Shaped[] {
  parent.lines = [];
  return lines.map((line) => {
    const shape: Shape = { id: id(), title: line.title, inTurn: line.inTurn };
    parent.lines!.push(shape);
    return { shape, line, lines: line.lines ? shapeLines(line.lines, shape, id) : [] };
  });
}

async function runLines(lines: Shaped[], inTurn: boolean, emit: RunEvents): Promise<void> {
  const one = async ({ shape, line, lines: under }: Shaped) => {
    try {
      if (line.lines) await runLines(under, Boolean(line.inTurn), emit);
      else await line.run?.(lineOut(shape.id, emit));
      emit({ type: 'done', id: shape.id });
    } catch (error) {
      emit({ type: 'failed', id: shape.id, error });
      throw error;
    }
  };
  if (inTurn) for (const l of lines) await one(l);
  else await Promise.all(lines.map(one));
}

function lineOut(id: string, emit: (e: RunEvent) => void): LineOut {
  return { title: (title) => emit({ type: 'title', id, title }), output: (text) => emit({ type: 'output', id, text }) };
}
