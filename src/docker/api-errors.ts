import { ReplikitError } from '../errors';

/** The Engine API's HTTP status of a failed call (404 missing, 409 conflict), if it had one. */
export function statusOf(e: unknown): number | undefined {
  return (e as { statusCode?: number } | undefined)?.statusCode;
}

/** A failed Engine API call as replikit reports it: what it was doing, and the engine's own words. */
export function wrap(what: string, e: unknown): ReplikitError {
  const detail = (e as { json?: { message?: string } }).json?.message ?? (e as Error).message;
  return new ReplikitError(`Docker: cannot ${what}: ${detail}`, undefined, { cause: e });
}

/**
 * The call's answer, or undefined when what it asks about does not exist (404); any other
 * failure is wrapped with `what` it was doing.
 */
export async function orMissing<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw wrap(what, e);
  }
}

/** Runs an Engine API call, its failure wrapped with `what` it was doing. */
export async function calling<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw wrap(what, e);
  }
}
