// The benchmark's baseline: a bare Hono Worker answering a small JSON (the same body as
// GET /health), run in workerd like the API. Bundled by esbuild in scripts/bench/baseline.ts.
import { Hono } from "hono";

const app = new Hono();
app.get("*", (c) => c.json({ status: "ok" }));

export default app;
