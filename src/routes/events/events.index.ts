import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./events.handlers.ts";
import * as routes from "./events.routes.ts";

export const eventsRouter = createRouter().openapi(routes.listEvents, handlers.listEvents).openapi(routes.getEvent, handlers.getEvent);
