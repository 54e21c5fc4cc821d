import { defineConfig } from "vitest/config";

// Tests run against the real Postgres and Redis on the machine. The global setup
// creates one migrated template database per run; each test file clones its own.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    // expect.poll waits for a state; its 1 s default is too short on a busy 2-core machine. Tests
    // that need longer say so; a test may still fail fast by asserting without polling.
    expect: { poll: { timeout: 15_000, interval: 50 } },
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
  },
});
