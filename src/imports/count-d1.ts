// Counts the D1 calls made through a binding (each statement run and each batch is one), for the
// import runner's log line per step: what an import costs in D1 calls is then measured, not guessed.

type Counter = { calls: number };

function countStatement(statement: D1PreparedStatement, counter: Counter): D1PreparedStatement {
  const target = statement as unknown as Record<string, (...args: unknown[]) => unknown>;
  const bind = target.bind!.bind(statement);
  target.bind = (...args: unknown[]) => countStatement(bind(...args) as D1PreparedStatement, counter);
  for (const name of ["run", "all", "first", "raw"]) {
    const method = target[name]!.bind(statement);
    target[name] = (...args: unknown[]) => {
      counter.calls += 1;
      return method(...args);
    };
  }
  return statement;
}

function countSession<T extends D1Database | D1DatabaseSession>(session: T, counter: Counter): T {
  const target = session as unknown as Record<string, (...args: unknown[]) => unknown>;
  const prepare = target.prepare!.bind(session);
  const batch = target.batch!.bind(session);
  target.prepare = (query: unknown) => countStatement(prepare(query) as D1PreparedStatement, counter);
  target.batch = (statements: unknown) => {
    counter.calls += 1;
    return batch(statements);
  };
  if ("withSession" in session) {
    const withSession = target.withSession!.bind(session);
    target.withSession = (...args: unknown[]) => countSession(withSession(...args) as D1DatabaseSession, counter);
  }
  return session;
}

/** A binding whose sessions count their calls in `counter` (the binding itself is not changed). */
export function countingD1(db: D1Database, counter: Counter): D1Database {
  const wrapper = Object.create(db) as D1Database;
  const target = wrapper as unknown as Record<string, unknown>;
  const original = db as unknown as Record<string, (...args: unknown[]) => unknown>;
  target.prepare = (query: string) => countStatement(original.prepare!.call(db, query) as D1PreparedStatement, counter);
  target.batch = (statements: unknown) => {
    counter.calls += 1;
    return original.batch!.call(db, statements);
  };
  target.withSession = (...args: unknown[]) => countSession(original.withSession!.call(db, ...args) as D1DatabaseSession, counter);
  return wrapper;
}
