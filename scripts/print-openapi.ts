// Writes the OpenAPI document (the same one GET /v1/openapi.json serves) to a file, for linting.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { app, openApiConfig } from "../src/app.ts";

const file = process.argv[2] ?? "dist/openapi.json";
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(app.getOpenAPI31Document(openApiConfig), null, 2)}\n`);
console.log(`OpenAPI document written to ${file}`);
