import { z } from "@hono/zod-openapi";

export const PaginationQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(50)
    .openapi({ description: "Number of results to return (1–100).", example: 50 }),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .openapi({ description: "Number of results to skip.", example: 0 }),
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
