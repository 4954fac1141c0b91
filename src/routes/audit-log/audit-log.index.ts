import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./audit-log.handlers.ts";
import * as routes from "./audit-log.routes.ts";

export const auditLogRouter = createRouter().openapi(routes.listAuditLog, handlers.listAuditLog);
