import {
  LISTR_LOGGER_STDERR_LEVELS,
  Listr,
  ListrLogger,
  ListrLogLevels,
  ListrRendererFactory,
  ListrRendererValue,
  ListrTask,
  ListrTaskWrapper,
  PRESET_TIMESTAMP,
} from 'listr2';
import type { RunEvent, RunEvents, Shape } from './events';

/** How progress is shown: a live tree in a terminal, timestamped lines otherwise, nothing for --json. */
export type Progress = 'auto' | 'plain' | 'silent';

export interface Renderer {
  events: RunEvents;
  /** Resolves once what was shown has been drawn to the end (the last step's result line included). */
  finished(): Promise<void>;
}

/**
 * Plain lines say what finished (with its result in the title), what failed, and progress: a
 * line for every step that starts as well would double the log without saying more.
 */
class FinishedStepsLogger extends ListrLogger<ListrLogLevels> {
  constructor() {
    super({ useIcons: true, toStderr: LISTR_LOGGER_STDERR_LEVELS });
  }
  override log(level: ListrLogLevels, message: string | unknown[], options?: Parameters<ListrLogger['log']>[2]): void {
    if (level !== ListrLogLevels.STARTED) super.log(level, message, options);
  }
}

function listrOptions(progress: Progress) {
  const plain = progress === 'plain' || !process.stdout.isTTY || Boolean(process.env.CI);
  return {
    renderer: (plain ? 'simple' : 'default') as ListrRendererValue,
    rendererOptions: { timestamp: PRESET_TIMESTAMP, collapseSubtasks: false, ...(plain ? { logger: new FinishedStepsLogger() } : {}) },
    exitOnError: true,
    // listr2 would exit the process with 127 on Ctrl-C; the CLI aborts the run and cleans up instead.
    registerSignalListeners: false,
    collectErrors: false as const,
  };
}

/** A line as the renderer knows it: settled by its events, shown by the listr2 task waiting on it. */
interface Drawn {
  shape: Shape;
  settled: Promise<void>;
  done(): void;
  fail(error: unknown): void;
  task?: ListrTaskWrapper<unknown, ListrRendererFactory, ListrRendererFactory>;
  title?: string;
  output?: string;
  skipped?: string;
}

/**
 * The runner's events drawn with listr2: each step becomes a task list of its own, its lines the
 * tasks under it, each finished when the runner says so. 'silent' draws nothing (the library's
 * default, --json, --quiet).
 */
export function progressRenderer(progress: Progress): Renderer {
  if (progress === 'silent') return { events: () => undefined, finished: async () => undefined };
  const drawn = new Map<string, Drawn>();
  let shown: Promise<unknown> = Promise.resolve();

  const remember = (shape: Shape): void => {
    let done!: () => void;
    let fail!: (e: unknown) => void;
    const settled = new Promise<void>((resolve, reject) => ((done = resolve), (fail = reject)));
    // A line listr2 never got to (its step failed first) must not end the process unhandled.
    settled.catch(() => undefined);
    drawn.set(shape.id, { shape, settled, done, fail });
    for (const line of shape.lines ?? []) remember(line);
  };
  const leaves = (shape: Shape): Drawn[] => (shape.lines ? shape.lines.flatMap(leaves) : [drawn.get(shape.id)!]);
  const taskOf = (shape: Shape): ListrTask<unknown, ListrRendererFactory, ListrRendererFactory> => ({
    title: shape.title,
    task: (_, task) => {
      const d = drawn.get(shape.id)!;
      d.task = task;
      if (d.title) task.title = d.title;
      if (d.output) task.output = d.output;
      if (shape.lines) return task.newListr(shape.lines.map(taskOf), { concurrent: !shape.inTurn, exitOnError: true });
      return d.settled.then(() => {
        if (d.skipped) task.skip(d.skipped);
      });
    },
  });

  const events = (e: RunEvent): void => {
    if (e.type === 'step') {
      remember(e.step);
      // Options (and their logger) anew for each list: a renderer decorates the logger it is given.
      const list = new Listr([taskOf(e.step)], listrOptions(progress));
      shown = shown.then(() => list.run().catch(() => undefined));
      return;
    }
    const d = drawn.get(e.id);
    if (!d) return;
    if (e.type === 'title') {
      d.title = e.title;
      if (d.task) d.task.title = e.title;
    } else if (e.type === 'output') {
      d.output = e.text;
      if (d.task) d.task.output = e.text;
    } else if (e.type === 'skipped') {
      d.skipped = e.reason;
      d.done();
    } else if (e.type === 'done') {
      d.done();
    } else {
      // A step or group that fails while lines under it still wait ends them with its error.
      for (const leaf of leaves(d.shape)) leaf.fail(e.error);
    }
  };
  return { events, finished: async () => void (await shown) };
}
