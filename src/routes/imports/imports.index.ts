import { createRouter } from "../../lib/create-app.ts";
import * as handlers from "./imports.handlers.ts";
import * as routes from "./imports.routes.ts";

export const importsRouter = createRouter()
  .openapi(routes.createImport, handlers.createImport)
  .openapi(routes.listImports, handlers.listImports)
  .openapi(routes.getImport, handlers.getImport)
  .openapi(routes.getImportErrors, handlers.getImportErrors);
