import type { z } from "@hono/zod-openapi";

/** Every /v1 route takes the API key as a bearer token. */
export const bearerSecurity = [{ bearerAuth: [] }];

/** A JSON request body or response for a route definition. */
export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}
