import { availableParallelism } from "node:os";
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
      // vitest's default is one worker fewer than the CPUs: on a 2-CPU machine, one. Files spend
      // much of their time waiting on workerd (D1, Durable Objects), so two run side by side
      // take a third less time than one after the other (130 → 86 s for the items and orders suites).
      maxWorkers: Math.max(2, availableParallelism()),
      setupFiles: ["./test/setup.ts"],
      include: ["test/**/*.test.ts"],
    },
  };
});
