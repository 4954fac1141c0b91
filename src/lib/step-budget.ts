// How much one step of background work (a restore, an import) may do before it saves where it is
// and hands on to the next invocation.

/**
 * Answers, before each unit of work (a page, a chunk), whether the step may do it: the first unit
 * always (so that even a zero budget makes progress), then while `budgetMs` lasts and at most
 * `maxUnits` in all, which keeps the step's D1 calls well under an invocation's limit.
 */
export function stepBudget(budgetMs: number, maxUnits: number): () => boolean {
  const deadline = Date.now() + budgetMs;
  let done = 0;
  return () => done++ === 0 || (Date.now() < deadline && done <= maxUnits);
}
