import { DomainError } from "../domain/errors.ts";
import { isConstraintFailure } from "./batch-guard.ts";

/** Rounds a read-then-write change is tried before it gives up as `busy` (safe to retry). */
const ATTEMPTS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` (read a row, then write in one batch guarded by the version it read) until no
 * concurrent writer overtakes it. A guard that fails shows as a constraint failure; `translate`
 * turns the errors that are answers (a unique SKU taken, …) into their domain error.
 */
export async function withOptimisticRetry<T>(
  attempt: () => Promise<T>,
  translate: (error: unknown) => unknown = (error) => error,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const answer = translate(error);
      if (answer !== error || !isConstraintFailure(error)) throw answer;
      if (tries >= ATTEMPTS) {
        throw new DomainError("busy", "This resource is being changed by many requests at once; try again.");
      }
      // A little jitter, so that the writers that lost this round do not collide again at once.
      await sleep(Math.random() * 5 * tries);
    }
  }
}
