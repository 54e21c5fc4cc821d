import { defineConfig } from "vitest/config";

// Tests run against the real Postgres and Redis on the machine. The global setup
// creates one migrated template database per run; each test file clones its own.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
  },
});
