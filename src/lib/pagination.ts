import { z } from "@hono/zod-openapi";

/** A query-string integer: decimal digits only (no `1e2`, no blanks), then range-checked. */
function queryInteger(options: { min: number; max?: number; default: number; description: string }) {
  const range = options.max === undefined ? z.int().min(options.min) : z.int().min(options.min).max(options.max);
  return z
    .string()
    .regex(/^\d{1,15}$/, "must be a whole number.")
    .transform(Number)
    .pipe(range)
    .default(options.default)
    .openapi({
      type: "integer",
      minimum: options.min,
      maximum: options.max,
      default: options.default,
      description: options.description,
    });
}

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
