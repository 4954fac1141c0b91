// How much one step of background work (a restore, an import) may do before it saves where it is
// and hands on to the next invocation.

/** Answers whether the step may do its next unit of work; `spend` counts what a unit cost. */
export interface StepBudget {
  (): boolean;
  /** Counts `units` more against the step's cap (a unit that cost more than one D1 call). */
  spend(units: number): void;
}

/**
 * Answers, before each unit of work (a page, a chunk), whether the step may do it: the first unit
 * always (so that even a zero budget makes progress), then while `budgetMs` lasts and at most
 * `maxUnits` in all (each call that answers true counts one, `spend` adds more), which keeps the
 * step's D1 calls well under an invocation's limit.
 */
export function stepBudget(budgetMs: number, maxUnits: number): StepBudget {
  const deadline = Date.now() + budgetMs;
  let calls = 0;
  let spent = 0;
  const mayContinue = (() => {
    const yes = calls++ === 0 || (Date.now() < deadline && spent < maxUnits);
    if (yes) spent += 1;
    return yes;
  }) as StepBudget;
  mayContinue.spend = (units: number) => {
    spent += units;
  };
  return mayContinue;
}
