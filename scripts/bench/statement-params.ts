// A parameter of a posted statement template (scripts/bench/api-statements.ts) for one call: "@txn"
// is the call's ledger row id, "@id" a fresh id, "@item" the call's item; others stay as they are.
// Kept free of imports: the calibration Worker bundles it, d1-statements.ts inlines its source.
export function bindParam(param: unknown, call: number, item: string): unknown {
  if (param === "@txn") return `txn_bench${call}`;
  if (param === "@id") return `id_bench${call}_${Math.random()}`;
  if (param === "@item") return item;
  return param;
}
