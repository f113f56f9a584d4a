import type { RunEvent } from '../../src/run/events';
import { runSteps, Step } from '../../src/run/runner';

/** The one runner: order, lines at once or in turn, hidden and skipped steps, failure and abort. */
function recorder() {
  const events: RunEvent[] = [];
  const log: string[] = [];
  const text = (e: RunEvent) =>
    e.type === 'step'
      ? `step ${e.step.title} [${(e.step.lines ?? []).map((l) => l.title).join(', ')}]`
      : `${e.type} ${e.id}${'title' in e ? ` ${e.title}` : ''}`;
  return { events: (e: RunEvent) => (events.push(e), log.push(text(e))), log, all: events };
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the runner', () => {
  it('runs steps in table order; a step with no lines is not shown; every shown line ends done', async () => {
    const r = recorder();
    const did: string[] = [];
    const steps: Step<{ n: number }>[] = [
      { title: 'first', run: async (c, out) => (did.push(`first ${c.n}`), out.title('first: ok')) },
      { title: 'nothing to do', lines: () => [] },
      {
        title: (c) => `named ${c.n}`,
        lines: () => [
          { title: 'a', run: async () => void did.push('a') },
          { title: 'b', run: async () => void did.push('b') },
        ],
      },
    ];
    await runSteps(steps, { n: 7 }, { events: r.events });
    expect(did).toEqual(['first 7', 'a', 'b']);
    expect(r.log).toEqual(['step first []', 'title 1 first: ok', 'done 1', 'step named 7 [a, b]', 'done 3', 'done 4', 'done 2']);
  });

  it("runs a step's lines at once by default (the first waits for the second), and in turn when asked", async () => {
    const order: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const waits = { title: 'waits', run: async () => void (order.push('waits+'), await gate, order.push('waits-')) };
    const opens = { title: 'opens', run: async () => void (order.push('opens'), open()) };
    await runSteps([{ title: 'together', lines: () => [waits, opens] }], {});
    expect(order).toEqual(['waits+', 'opens', 'waits-']);
    order.length = 0;
    const line = (name: string) => ({
      title: name,
      run: async () => void (order.push(`${name}+`), await pause(5), order.push(`${name}-`)),
    });
    await runSteps([{ title: 'in turn', inTurn: true, lines: () => [line('first'), line('second')] }], {});
    expect(order).toEqual(['first+', 'first-', 'second+', 'second-']);
  });

  it('groups of lines: a group in turn, the lines in a group at once', async () => {
    const order: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    await runSteps(
      [
        {
          title: 'by depth',
          inTurn: true,
          lines: () => [
            {
              title: 'depth 1',
              lines: [
                { title: 'r1', run: async () => void (await gate, order.push('r1')) },
                { title: 'r2', run: async () => void (order.push('r2'), open()) },
              ],
            },
            { title: 'depth 2', lines: [{ title: 'r3', run: async () => void order.push('r3') }] },
          ],
        },
      ],
      {},
    );
    expect(order).toEqual(['r2', 'r1', 'r3']);
  });

  it('shows a skipped step with its reason and does not run it', async () => {
    const r = recorder();
    let ran = false;
    await runSteps([{ title: 'verify', skip: () => 'nothing changed', run: async () => void (ran = true) }], {}, { events: r.events });
    expect(ran).toBe(false);
    expect(r.all).toEqual([
      { type: 'step', step: { id: '1', title: 'verify' } },
      { type: 'skipped', id: '1', reason: 'nothing changed' },
    ]);
  });

  it('stops at the first failure: the failing line and its step fail with the error itself, later steps never run', async () => {
    const r = recorder();
    const boom = new Error('boom');
    let later = false;
    const error = await runSteps(
      [
        {
          title: 'fails',
          lines: () => [
            { title: 'ok', run: async () => undefined },
            { title: 'bad', run: async () => Promise.reject(boom) },
          ],
        },
        { title: 'later', run: async () => void (later = true) },
      ],
      {},
      { events: r.events },
    ).catch((e) => e);
    expect(error).toBe(boom);
    expect(later).toBe(false);
    expect(r.all.filter((e) => e.type === 'failed')).toEqual([
      { type: 'failed', id: '3', error: boom },
      { type: 'failed', id: '1', error: boom },
    ]);
  });

  it('an abort is not heard past a point of no return: the run completes', async () => {
    const abort = new AbortController();
    const ran: string[] = [];
    await runSteps(
      [
        {
          title: 'promote',
          pointOfNoReturn: true,
          run: async () => (ran.push('promote'), abort.abort(new Error('Ctrl-C'))) as unknown as void,
        },
        { title: 'repoint', run: async () => void ran.push('repoint') },
      ],
      {},
      { signal: abort.signal },
    );
    expect(ran).toEqual(['promote', 'repoint']);
  });

  it('an abort is heard between steps', async () => {
    const abort = new AbortController();
    const ran: string[] = [];
    const error = await runSteps(
      [
        { title: 'one', run: async () => (ran.push('one'), abort.abort(new Error('Ctrl-C'))) as unknown as void },
        { title: 'two', run: async () => void ran.push('two') },
      ],
      {},
      { signal: abort.signal },
    ).catch((e) => e);
    expect(ran).toEqual(['one']);
    expect(error.message).toBe('Ctrl-C');
  });
});
