// Compiled (never run) by `npm run test:sdk`: the generated types give every operation a typed
// answer. For each operation of the document, every JSON answer (successes and errors) is walked
// field by field, and no field may be `unknown` — except the values of free-form maps
// (`{ [key: string]: unknown }`: an event's `data.object`, a restore preview's `changes`). A
// handful of real calls then use the client with those types.
import { createClient, type InventoryApiError, type Schemas } from "../src/index.ts";
import type { operations } from "../src/schema.ts";

type IsUnknown<T> = unknown extends T ? ([keyof T] extends [never] ? true : false) : false;

/** The paths (`.data[].id`) of the fields typed `unknown`, map values left out. */
type UnknownFields<T, Path extends string = ""> =
  IsUnknown<T> extends true
    ? Path
    : T extends readonly (infer E)[]
      ? UnknownFields<E, `${Path}[]`>
      : T extends object
        ? { [K in keyof T & string]-?: string extends K ? never : UnknownFields<T[K], `${Path}.${K}`> }[keyof T & string]
        : never;

type JsonAnswers<O> = O extends { responses: infer R }
  ? { [S in keyof R]: R[S] extends { content: { "application/json": infer B } } ? B : never }[keyof R]
  : never;

type Offenders = { [Id in keyof operations]: UnknownFields<JsonAnswers<operations[Id]>> extends never ? never : Id }[keyof operations];
type Fields = { [Id in keyof operations]: UnknownFields<JsonAnswers<operations[Id]>> }[keyof operations];

/** Fails to compile naming the operation (and field) whose answer has an `unknown`. */
const noUnknown: [Offenders, Fields] extends [never, never] ? true : { offenders: Offenders; fields: Fields } = true;
void noUnknown;

// Every operation has at least one typed success answer.
type Successes<O> = O extends { responses: infer R } ? { [S in keyof R]: S extends 200 | 201 | 202 | 204 ? S : never }[keyof R] : never;
type WithoutSuccess = { [Id in keyof operations]: [Successes<operations[Id]>] extends [never] ? Id : never }[keyof operations];
const everyOperationSucceeds: [WithoutSuccess] extends [never] ? true : WithoutSuccess = true;
void everyOperationSucceeds;

export async function touch(client: ReturnType<typeof createClient>): Promise<void> {
  const item: Schemas["Item"] = (await client.POST("/v1/items", { body: { name: "n", sku: "s" } })).data!;
  const restored = (await client.POST("/v1/snapshots/{id}/restore", { params: { path: { id: "snap_x" }, query: { dry_run: true } } })).data!;
  // The restore and its preview are told apart by dry_run.
  if (restored.dry_run) restored.items_to_update satisfies number;
  else restored.pre_restore_snapshot_id satisfies string | null;
  const key = (await client.POST("/v1/api_keys", { body: { name: "k" } })).data!;
  key.secret satisfies string | null;
  const since: string = "2026-11-01";
  (await client.GET("/v1/transactions", { params: { query: { since, item_id: item.id } } })).data!.pagination.total satisfies number;
  for await (const event of client.events.list({ type: "item.*" })) event.sequence satisfies number;
  try {
    await client.DELETE("/v1/items/{id}", { params: { path: { id: item.id } } });
  } catch (error) {
    (error as InventoryApiError).code satisfies string;
  }
}
