// Writes the OpenAPI document (the same one GET /v1/openapi.json serves) to a file, for linting,
// Prism and the SDK's generated types. Run with tsx (the app imports the dashboard's .tsx).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { openApiDocument } from "../src/app.ts";

const file = process.argv[2] ?? "dist/openapi.json";
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`OpenAPI document written to ${file}`);
