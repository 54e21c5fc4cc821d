/**
 * The whole service for a benchmark: startTestService on a throwaway migrated database of the
 * bench's own (createBenchDatabase, outside vitest's template), dropped again if the start fails
 * and by `stop()` otherwise.
 */
import { createPrisma } from "../../db/client.js";
import type { TestDatabase } from "../support/db.js";
import { startTestService, type TestService, type TestServiceOptions } from "../support/service.js";
import { createBenchDatabase } from "./support.js";

export async function startBenchService(opts: Omit<TestServiceOptions, "database">): Promise<TestService> {
  const benchDb = await createBenchDatabase();
  const database = async (): Promise<TestDatabase> => {
    const prisma = createPrisma(benchDb.url, { max: 2, applicationName: "vps-shop:bench" });
    return {
      name: benchDb.name,
      url: benchDb.url,
      prisma,
      drop: async () => {
        await prisma.$disconnect();
        await benchDb.drop();
      },
    };
  };
  try {
    return await startTestService({ ...opts, database });
  } catch (error) {
    await benchDb.drop().catch(() => undefined);
    throw error;
  }
}
