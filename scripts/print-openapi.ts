// Prints the OpenAPI document (the same one GET /v1/openapi.json serves) for linting in CI.
import { app, openApiConfig } from "../src/app.ts";

process.stdout.write(`${JSON.stringify(app.getOpenAPI31Document(openApiConfig), null, 2)}\n`);
