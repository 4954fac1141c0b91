import { z } from "@hono/zod-openapi";
import { EventTypePatternSchema } from "../../domain/events.ts";
import { PaginationQuerySchema } from "../../lib/pagination.ts";
import { queryTimestamp } from "../../lib/query-params.ts";

export const ListEventsQuerySchema = PaginationQuerySchema.extend({
  type: EventTypePatternSchema.optional().openapi({
    description: "One event type (`item.low_stock`), a resource's types (`item.*`) or every type (`*`).",
  }),
  since: queryTimestamp("Only events created at or after this time."),
}).strict();

export const EventIdParamsSchema = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "event_4fZkQ2vX8mN4rT6wY1zB5cDe" }),
});
