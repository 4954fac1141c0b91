import { z } from "@hono/zod-openapi";
import { optionalQueryInteger, queryInteger } from "./query-params.ts";
import { text } from "./validation.ts";

/**
 * Where a page starts, in the order a 400 names them: of two sent, the later one in this order is
 * named (whatever their order in the query string, which clients and proxies may rearrange).
 */
const PAGE_STARTS = ["offset", "starting_after", "ending_before"] as const;

const cursor = (description: string) =>
  text().min(1).max(64).optional().openapi({ description, example: "item_3hK9pQ2vX8mN4rT6wY1zB5cD" });

export const PaginationQuerySchema = z
  .object({
    limit: queryInteger({ min: 1, max: 100, default: 50, description: "Number of results to return (1–100)." }),
    // Left unset when not sent (0 is used then), so that an offset beside a cursor can be refused.
    offset: optionalQueryInteger({
      min: 0,
      default: 0,
      description: "Number of results to skip. Not with `starting_after` or `ending_before`.",
    }),
    starting_after: cursor("The page after this object (its id), in the list's order. Answers `offset: null`."),
    ending_before: cursor("The page before this object (its id), in the list's order. Answers `offset: null`."),
  })
  .superRefine((value, ctx) => {
    const sent = PAGE_STARTS.filter((name) => value[name] !== undefined);
    if (sent.length < 2) return;
    ctx.addIssue({
      code: "custom",
      path: [sent[1]!],
      message: `cannot be sent together with '${sent[0]}': send one of offset, starting_after and ending_before.`,
    });
  });

export type Page = z.infer<typeof PaginationQuerySchema>;

/** The cursor of a page, if it is read by one: which parameter, the object's id, and the direction. */
export function pageCursor(page: Page): { field: "starting_after" | "ending_before"; id: string } | undefined {
  if (page.starting_after !== undefined) return { field: "starting_after", id: page.starting_after };
  if (page.ending_before !== undefined) return { field: "ending_before", id: page.ending_before };
  return undefined;
}

const PaginationSchema = z
  .object({
    total: z.int().openapi({ example: 847 }),
    limit: z.int().openapi({ example: 50 }),
    offset: z.int().nullable().openapi({ example: 0, description: "`null` when the page was read by a cursor." }),
    has_more: z.boolean().openapi({
      example: true,
      description: "More objects lie beyond this page in the direction of paging (older ones; newer ones for `ending_before`).",
    }),
  })
  .openapi("Pagination");

export function paginated<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), pagination: PaginationSchema });
}

/** A list's answer: the page's objects, and the total and `hasMore` that the list helper read. */
export function paginate<T>(data: T[], list: { total: number; hasMore: boolean }, page: Page) {
  return {
    data,
    pagination: {
      total: list.total,
      limit: page.limit,
      offset: pageCursor(page) ? null : (page.offset ?? 0),
      has_more: list.hasMore,
    },
  };
}
