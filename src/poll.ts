/**
 * The one wait loop: calls `attempt` every `intervalMs` until it returns a value other than
 * undefined, and returns it. An error thrown by `attempt` ends the wait at once (a condition
 * that cannot heal); on time out, `onTimeout` says what did not happen.
 */
export async function poll<T>(
  attempt: () => Promise<T | undefined>,
  o: { timeoutMs: number; intervalMs: number; signal?: AbortSignal; onTimeout: () => Error | Promise<Error> },
): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  do {
    o.signal?.throwIfAborted();
    const value = await attempt();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, o.intervalMs));
  } while (Date.now() < deadline);
  throw await o.onTimeout();
}
