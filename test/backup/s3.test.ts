/** With S3_* set, every part and the manifest are also copied to S3-compatible storage (a local s3rver). */
import { createHash } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import { Api } from "grammy";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { runBackup } from "../../shop/backup/index.js";
import { objectUrl } from "../../shop/backup/s3.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { OWNER_ID, TEST_TOKEN } from "../support/service.js";
import { backupWorld, seedShop } from "./support.js";

let fake: FakeTelegram;
let db: TestDatabase;
let s3: S3rver;
let endpoint: string;

beforeAll(async () => {
  fake = await startFakeTelegram();
  fake.user(OWNER_ID);
  db = await createTestDatabase();
  s3 = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: await mkdtemp(join(tmpdir(), "vps-s3rver-")), configureBuckets: [{ name: "shop-backups", configs: [] }] });
  const { port } = await s3.run();
  endpoint = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await s3?.close();
  await db?.drop();
  await fake?.stop();
});

describe("S3 copy", () => {
  it("puts every part and the manifest under S3_PREFIX, byte for byte", async () => {
    const world = await backupWorld(db, fake.url, { S3_ENDPOINT: endpoint, S3_BUCKET: "shop-backups", S3_ACCESS_KEY_ID: "S3RVER", S3_SECRET_ACCESS_KEY: "S3RVER", S3_PREFIX: "toko/" });
    await seedShop(db.prisma, world.config, { customers: 1 });
    const r = await runBackup({ prisma: db.prisma, config: world.config, api: new Api(TEST_TOKEN, { apiRoot: fake.url }), logger: createLogger({ role: "test", level: "silent" }), trigger: "schedule" });
    expect(r.s3Keys).toEqual([...r.parts.map((p) => `toko/${p.name}`), `toko/${r.backupId}.manifest.json`]);
    const client = new AwsClient({ accessKeyId: "S3RVER", secretAccessKey: "S3RVER", region: "us-east-1", service: "s3" });
    for (const part of r.parts) {
      const res = await client.fetch(objectUrl(world.config.backup.s3!, part.name));
      expect(res.status).toBe(200);
      expect(createHash("sha256").update(Buffer.from(await res.arrayBuffer())).digest("hex")).toBe(part.sha256);
    }
    const manifest = await client.fetch(objectUrl(world.config.backup.s3!, `${r.backupId}.manifest.json`));
    expect(await manifest.text()).toBe(await readFile(r.manifestPath, "utf8"));
  });
});
