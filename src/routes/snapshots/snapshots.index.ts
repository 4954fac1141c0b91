import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./snapshots.handlers.ts";
import * as routes from "./snapshots.routes.ts";

export const snapshotsRouter = createRouter()
  .openapi(routes.createSnapshot, handlers.createSnapshot)
  .openapi(routes.listSnapshots, handlers.listSnapshots)
  .openapi(routes.getSnapshot, handlers.getSnapshot)
  .openapi(routes.downloadSnapshot, handlers.downloadSnapshot)
  .openapi(routes.deleteSnapshot, handlers.deleteSnapshot)
  .openapi(routes.restoreSnapshot, handlers.restoreSnapshot)
  .openapi(routes.getRestore, handlers.getRestore);
