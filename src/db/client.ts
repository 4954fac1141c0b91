import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.ts";

export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Database = ReturnType<typeof database>;

/** The message of a D1 error, looking through the wrappers drizzle adds. */
export function d1ErrorMessage(error: unknown): string {
  let message = "";
  for (let e: unknown = error; e instanceof Error; e = e.cause) message += ` ${e.message}`;
  return message;
}
