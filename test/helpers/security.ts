// The cross-cutting guarantees every resource's routes give, as one suite that each
// `*.security.test.ts` runs with a description of its resource (as unkey's runCommonRouteTests):
//
// - authentication: no Authorization header is 401 authentication_required with
//   `WWW-Authenticate: Bearer`; a malformed key, a bad checksum, an unknown, a revoked or an
//   expired key is 401 invalid_api_key. Checked before the body, and nothing changes.
// - roles: read_only keys may only GET, member keys may do everything but manage users and API
//   keys, admin keys may do everything; a refusal is 403 permission_denied whatever the body, and
//   changes nothing.
// - tenancy: another company's id answers exactly the 404 not_found a missing or unknown id
//   answers, and changes nothing in either company; lists never show another company's objects.
//
// "Changes nothing" is checked on every D1 row that belongs to the company (each table with a
// company_id column, found from the schema so that a new table is covered without editing this
// file) and on the company's R2 objects.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Role } from "../../src/db/schema.ts";
import { generateApiKey } from "../../src/lib/api-key-format.ts";
import { newId, type IdPrefix } from "../../src/lib/ids.ts";
import { createCompany, createKey, type TestCompany } from "./factories.ts";
import { call, expectApiError } from "./http.ts";

export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** What a factory made: the resource's id and whatever else a route's path or body needs. */
export interface Fixture {
  id: string;
  /** The resource as the API showed it when it was made; a GET of it must answer exactly this. */
  object?: unknown;
  [field: string]: unknown;
}

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null for an empty or non-JSON body. */
  body: any;
  bytes: ArrayBuffer;
}

export interface RouteSpec<F extends Fixture = Fixture> {
  /** Tells two entries for one method and path apart (say, receive with and without a body). */
  name?: string;
  method: Method;
  /**
   * The path, with `:id` where the resource's id goes and `:field` for any other field of the
   * fixture (`/v1/audit_log?item_id=:itemId`). May carry a query.
   */
  path: string;
  /** A body the route accepts for this fixture; none when left out. */
  body?: (fixture: F) => unknown;
  /** The status every role that may make the request gets. */
  status: number;
  /** A factory for this route's resource, instead of the resource's (a trashed item for restore). */
  create?: (company: TestCompany) => Promise<F>;
  /** The `field` of the 404 for an unknown `:id` (default "id"). */
  notFoundField?: string;
  /** More checks of a permitted answer. */
  expectSuccess?: (answer: Answer, fixture: F, company: TestCompany) => void | Promise<void>;
}

export interface ResourceSpec<F extends Fixture = Fixture> {
  /** For test names: "items", "orders". */
  name: string;
  /** Every route is for admin keys only (users and API keys). */
  adminOnly?: boolean;
  /** A well-formed id of this resource that no company has. */
  missingId: string;
  /** Makes one of the resource in `company` through the API with its admin key. */
  create: (company: TestCompany) => Promise<F>;
  /** More checks, beyond the stored data, that a refused request left the resource as it was. */
  expectIntact?: (fixture: F) => Promise<void>;
  routes: RouteSpec<F>[];
}

const ROLES: Role[] = ["admin", "member", "read_only"];
const A_KEY_OF: Record<Role, string> = { admin: "an admin key", member: "a member key", read_only: "a read_only key" };

/** Whether the contract lets `role` make this request. */
export function mayCall(role: Role, method: Method, adminOnly = false): boolean {
  if (role === "admin") return true;
  if (adminOnly) return false;
  return role === "member" || method === "GET";
}

/** `path` with `:id` → `id` and every other `:field` → the fixture's field. */
export function fillPath(path: string, fixture: Fixture, id = fixture.id): string {
  return path.replace(/:([A-Za-z_]\w*)/g, (_, field: string) => {
    const value = field === "id" ? id : fixture[field];
    if (typeof value !== "string") throw new Error(`The fixture has no string field '${field}' for ${path}.`);
    return encodeURIComponent(value);
  });
}

const routeName = (route: RouteSpec<any>) => route.name ?? `${route.method} ${route.path}`;
const takesId = (route: RouteSpec<any>) => /:id\b/.test(route.path.split("?")[0]!);
const isList = (route: RouteSpec<any>) => route.method === "GET" && !takesId(route);

/**
 * Failed authentications are limited per client address: every request of this suite comes from
 * an address of its own, so that none of them is refused with a 429 for another's failures.
 */
function clientAddress(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
}

/** Sends one request through the Worker, as a client would, with `authorization` as is. */
export async function send(
  method: Method,
  path: string,
  options: { authorization?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { "CF-Connecting-IP": clientAddress() };
  if (options.authorization !== undefined) headers.Authorization = options.authorization;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["Content-Type"] = "application/json";
  }
  const response = await call(method, path, { headers, body });
  const bytes = await response.arrayBuffer();
  const json = /^application\/json/.test(response.headers.get("Content-Type") ?? "") && bytes.byteLength > 0;
  return {
    status: response.status,
    headers: response.headers,
    body: json ? JSON.parse(new TextDecoder().decode(bytes)) : null,
    bytes,
  };
}

const bearer = (key: string) => `Bearer ${key}`;

function request<F extends Fixture>(route: RouteSpec<F>, fixture: F, authorization: string | undefined, id?: string) {
  return send(route.method, fillPath(route.path, fixture, id), {
    authorization,
    body: route.body?.(fixture),
  });
}

/** A body no route accepts: an unknown field. A refusal must not depend on it. */
const UNKNOWN_FIELD_BODY = { __not_a_field__: true };

let tables: Promise<string[]> | undefined;

/** The tables whose rows belong to a company (with a company_id column), read from the schema. */
function companyTables(): Promise<string[]> {
  // D1 refuses pragma_table_info(), so the column is found in each table's CREATE statement.
  tables ??= env.DB.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all<{ name: string; sql: string | null }>()
    .then(({ results }) =>
      results.filter((t) => /[(,]\s*[`"]?company_id[`"]?\s+[a-z]/i.test(t.sql ?? "")).map((t) => t.name),
    );
  return tables;
}

/**
 * Everything stored for a company: its row, every row of it in every table with a company_id,
 * and its R2 objects. `last_used_at` is left out: authenticating a request may write it (at most
 * once a minute, after the answer) whether or not the request is allowed.
 */
export async function companyData(companyId: string): Promise<Record<string, unknown[]>> {
  const names = await companyTables();
  expect(names).toEqual(expect.arrayContaining(["api_keys", "idempotency_keys", "item_counts", "items", "orders", "snapshots", "transactions", "users"]));
  const results = await env.DB.batch<Record<string, unknown>>([
    env.DB.prepare("SELECT * FROM companies WHERE id = ?").bind(companyId),
    ...names.map((name) => env.DB.prepare(`SELECT * FROM "${name}" WHERE company_id = ?`).bind(companyId)),
  ]);
  const data: Record<string, unknown[]> = {};
  for (const [index, name] of ["companies", ...names].entries()) {
    data[name] = results[index]!.results
      .map(({ last_used_at: _, ...row }) => JSON.stringify(row))
      .sort()
      .map((row) => JSON.parse(row));
  }
  const blobs = await env.SNAPSHOTS.list({ prefix: `${companyId}/` });
  data["r2:SNAPSHOTS"] = blobs.objects.map((o) => ({ key: o.key, size: o.size, etag: o.etag }));
  expect(data.companies).toHaveLength(1);
  return data;
}

/** The error body with the id and the request id taken out, to compare two 404s. */
export function shapeOf(answer: Pick<Answer, "status" | "headers" | "body">, id: string) {
  const { request_id: _, message, ...rest } = answer.body.error;
  return {
    status: answer.status,
    contentType: answer.headers.get("Content-Type"),
    ...rest,
    message: String(message).replaceAll(id, "<id>"),
  };
}

/** The ids in a list answer. */
const listedIds = (answer: Answer) => (answer.body.data as { id: string }[]).map((object) => object.id);

/** Asserts a permitted answer: the route's status and, where the answer is the resource, it. */
async function expectPermitted<F extends Fixture>(route: RouteSpec<F>, answer: Answer, fixture: F, company: TestCompany) {
  const context = `${routeName(route)} → ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 300)}`;
  expect(answer.status, context).toBe(route.status);
  expect(answer.headers.get("Request-Id")).toMatch(/^req_[0-9A-Za-z]{20,}$/);
  if (answer.status === 204) expect(answer.bytes.byteLength).toBe(0);
  if (isList(route)) expect(listedIds(answer), context).toContain(fixture.id);
  // A GET of the resource itself (not of something under it) answers it as it was made.
  if (route.method === "GET" && /\/:id$/.test(route.path.split("?")[0]!) && fixture.object !== undefined) {
    expect(answer.body, context).toEqual(fixture.object);
  }
  await route.expectSuccess?.(answer, fixture, company);
}

/**
 * Runs the shared security suite for one resource: authentication, each role's permissions and
 * tenancy, on every route it describes.
 */
export function runCommonRouteTests<F extends Fixture>(resource: ResourceSpec<F>): void {
  const make = (route: RouteSpec<F>, company: TestCompany) => (route.create ?? resource.create)(company);
  const routes = resource.routes.map((route) => [routeName(route), route] as const);

  describe(`${resource.name}: authentication (shared security suite)`, () => {
    it.each(routes)(
      "%s without an Authorization header: 401 authentication_required with WWW-Authenticate: Bearer, before the body is read",
      async (_, route) => {
        const company = await createCompany("enterprise");
        const fixture = await make(route, company);
        const before = await companyData(company.companyId);
        const path = fillPath(route.path, fixture);
        const answers = [await request(route, fixture, undefined)];
        if (route.method !== "GET") answers.push(await send(route.method, path, { body: UNKNOWN_FIELD_BODY }));
        for (const answer of answers) {
          expectApiError(answer, 401, "authentication_required", null);
          expect(answer.headers.get("WWW-Authenticate")).toBe("Bearer");
        }
        expect(await companyData(company.companyId)).toEqual(before);
        await resource.expectIntact?.(fixture);
      },
    );

    it.each(routes)(
      "%s with a malformed, bad-checksum, unknown, revoked or expired key: 401 invalid_api_key",
      async (_, route) => {
        const company = await createCompany("enterprise");
        const fixture = await make(route, company);
        const valid = company.apiKey;
        const badKeys: [string, string][] = [
          ["malformed", bearer("not-a-key")],
          ["another scheme", `Basic ${btoa(`${valid}:`)}`],
          ["no scheme", valid],
          ["bad checksum", bearer(valid.slice(0, -1) + (valid.endsWith("A") ? "B" : "A"))],
          ["unknown", bearer(generateApiKey("test"))],
          ["revoked", bearer(await createKey(company, { revokedAt: "2020-01-01T00:00:00.000Z" }))],
          ["expired", bearer(await createKey(company, { expiresAt: "2020-01-01T00:00:00.000Z" }))],
        ];
        const before = await companyData(company.companyId);
        for (const [kind, authorization] of badKeys) {
          const answer = await request(route, fixture, authorization);
          expect(answer.status, kind).toBe(401);
          expectApiError(answer, 401, "invalid_api_key", null);
          expect(answer.headers.get("WWW-Authenticate"), kind).toMatch(/^Bearer\b/);
        }
        expect(await companyData(company.companyId)).toEqual(before);
        await resource.expectIntact?.(fixture);
      },
    );
  });

  describe(`${resource.name}: roles (shared security suite)`, () => {
    const cases = routes.flatMap(([name, route]) =>
      ROLES.map((role) => [name, A_KEY_OF[role], role, mayCall(role, route.method, resource.adminOnly), route] as const),
    );
    const allowed = cases.filter(([, , , mayMake]) => mayMake);
    const refused = cases.filter(([, , , mayMake]) => !mayMake);

    it.each(allowed)("%s is allowed with %s", async (_, _key, role, _allowed, route) => {
      const company = await createCompany("enterprise");
      const fixture = await make(route, company);
      const key = await createKey(company, { role });
      const answer = await request(route, fixture, bearer(key));
      await expectPermitted(route, answer, fixture, company);
    });

    // A resource with only reads refuses nobody.
    if (refused.length === 0) return;
    it.each(refused)(
      "%s is refused to %s: 403 permission_denied whatever the body, and nothing changes",
      async (_, _key, role, _allowed, route) => {
        const company = await createCompany("enterprise");
        const fixture = await make(route, company);
        const key = await createKey(company, { role });
        const before = await companyData(company.companyId);
        const answers = [await request(route, fixture, bearer(key))];
        if (route.method !== "GET") {
          answers.push(await send(route.method, fillPath(route.path, fixture), { authorization: bearer(key), body: UNKNOWN_FIELD_BODY }));
        }
        for (const answer of answers) expectApiError(answer, 403, "permission_denied", null);
        expect(await companyData(company.companyId)).toEqual(before);
        await resource.expectIntact?.(fixture);
      },
    );
  });

  describe(`${resource.name}: tenancy (shared security suite)`, () => {
    const byId = routes.filter(([, route]) => takesId(route));
    const lists = routes.filter(([, route]) => isList(route));
    const prefix = resource.missingId.split("_")[0] as IdPrefix;

    if (byId.length > 0) {
      it.each(byId)(
        "%s: another company's id answers exactly the 404 of a missing or unknown id, and nothing changes",
        async (_, route) => {
          const ownerCo = await createCompany("enterprise");
          const fixture = await make(route, ownerCo);
          const intruderCo = await createCompany("enterprise");
          const intruder = bearer(intruderCo.apiKey);
          const ownerBefore = await companyData(ownerCo.companyId);
          const intruderBefore = await companyData(intruderCo.companyId);
          const field = route.notFoundField ?? "id";

          const foreign = await request(route, fixture, intruder);
          expectApiError(foreign, 404, "not_found", field);
          const expected = shapeOf(foreign, fixture.id);
          for (const id of [resource.missingId, newId(prefix), "nope"]) {
            const missing = await request(route, fixture, intruder, id);
            expectApiError(missing, 404, "not_found", field);
            expect(shapeOf(missing, id), id).toEqual(expected);
          }
          expect(JSON.stringify(foreign.body)).not.toContain(ownerCo.companyId);

          expect(await companyData(ownerCo.companyId)).toEqual(ownerBefore);
          expect(await companyData(intruderCo.companyId)).toEqual(intruderBefore);
          await resource.expectIntact?.(fixture);
          // The owner still reaches it (the 404 was not because it was gone).
          await expectPermitted(route, await request(route, fixture, bearer(ownerCo.apiKey)), fixture, ownerCo);
        },
      );
    }

    if (lists.length > 0) {
      it.each(lists)("%s never shows another company's objects", async (_, route) => {
        const ownerCo = await createCompany("enterprise");
        const fixture = await make(route, ownerCo);
        const intruderCo = await createCompany("enterprise");
        await make(route, intruderCo);

        const own = await request(route, fixture, bearer(ownerCo.apiKey));
        await expectPermitted(route, own, fixture, ownerCo);
        // The same request (the owner's ids in its filters included) by the other company.
        const theirs = await request(route, fixture, bearer(intruderCo.apiKey));
        expect(theirs.status).toBe(200);
        expect(listedIds(theirs)).not.toContain(fixture.id);
        const text = JSON.stringify(theirs.body);
        for (const id of listedIds(own)) expect(text).not.toContain(id);
        expect(text).not.toContain(ownerCo.companyId);
      });
    }
  });
}
