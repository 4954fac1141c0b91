import { EventSchema } from "../../domain/events.ts";
import { createAuthenticatedRoute, jsonContent as json } from "../../lib/openapi.ts";
import { paginated } from "../../lib/pagination.ts";
import { EventIdParamsSchema, ListEventsQuerySchema } from "./events.schemas.ts";

const tags = ["Events"];

export const listEvents = createAuthenticatedRoute({
  operationId: "listEvents",
  method: "get",
  path: "/v1/events",
  tags,
  summary: "List events",
  description:
    "The company's events of the last 30 days, newest first (by `sequence`). Each holds the object as it was right after the change.",
  request: { query: ListEventsQuerySchema },
  responses: { 200: json(paginated(EventSchema), "A page of events.") },
});

export const getEvent = createAuthenticatedRoute({
  operationId: "getEvent",
  method: "get",
  path: "/v1/events/{id}",
  tags,
  summary: "Retrieve an event",
  request: { params: EventIdParamsSchema },
  responses: { 200: json(EventSchema, "The event.") },
});
