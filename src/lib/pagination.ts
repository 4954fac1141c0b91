import { z } from "@hono/zod-openapi";
import { queryInteger } from "./query-params.ts";

export const PaginationQuerySchema = z.object({
  limit: queryInteger({ min: 1, max: 100, default: 50, description: "Number of results to return (1–100)." }),
  offset: queryInteger({ min: 0, default: 0, description: "Number of results to skip." }),
});

export type Page = z.infer<typeof PaginationQuerySchema>;

const PaginationSchema = z
  .object({
    total: z.int().openapi({ example: 847 }),
    limit: z.int().openapi({ example: 50 }),
    offset: z.int().openapi({ example: 0 }),
    has_more: z.boolean().openapi({ example: true }),
  })
  .openapi("Pagination");

export function paginated<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), pagination: PaginationSchema });
}

export function paginate<T>(data: T[], total: number, page: Page) {
  return {
    data,
    pagination: {
      total,
      limit: page.limit,
      offset: page.offset,
      has_more: page.offset + data.length < total,
    },
  };
}
