import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        // TEST_MIGRATIONS: a test-only binding so that test/setup.ts can apply the migrations.
        // API_KEY_MODE: keys made in tests are sk_test_, as in local development.
        miniflare: { bindings: { TEST_MIGRATIONS: migrations, API_KEY_MODE: "test" } },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      include: ["test/**/*.test.ts"],
    },
  };
});
