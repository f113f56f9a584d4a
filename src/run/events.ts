/**
 * What the runner (run/runner.ts) tells as it goes. A step comes with the lines under it, so a
 * renderer can lay them out at once; every line then ends done, skipped or failed.
 */
export interface Shape {
  id: string;
  title: string;
  lines?: Shape[];
  /** Its lines run one after the other, not at once. */
  inTurn?: boolean;
}

export type RunEvent =
  | { type: 'step'; step: Shape }
  | { type: 'title'; id: string; title: string }
  | { type: 'output'; id: string; text: string }
  | { type: 'done'; id: string }
  | { type: 'skipped'; id: string; reason: string }
  | { type: 'failed'; id: string; error: unknown };

export type RunEvents = (event: RunEvent) => void;
