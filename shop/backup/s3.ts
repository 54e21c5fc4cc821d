/**
 * The optional copy of each backup to S3-compatible storage (AWS, Backblaze B2, Wasabi, MinIO…),
 * signed with SigV4 by aws4fetch (9 kB), imported only when a copy is made.
 */
import { readFile } from "node:fs/promises";
import type { Config } from "../platform/config.js";

export type S3Config = NonNullable<Config["backup"]["s3"]>;

const ATTEMPTS = 3;
const TIMEOUT_MS = 120_000;

/** Object URL of `name` (path-style: works with every S3-compatible server). */
export function objectUrl(s3: S3Config, name: string): string {
  const key = `${s3.prefix}${name}`.split("/").map(encodeURIComponent).join("/");
  return `${s3.endpoint}/${encodeURIComponent(s3.bucket)}/${key}`;
}

/** PUTs each file (parts are ≤ 45 MiB, so one request each); returns the object keys. */
export async function copyToS3(s3: S3Config, files: Array<{ path: string; name: string }>): Promise<string[]> {
  const { AwsClient } = await import("aws4fetch");
  const client = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: s3.region, service: "s3" });
  const keys: string[] = [];
  for (const file of files) {
    const body = await readFile(file.path);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await client.fetch(objectUrl(s3, file.name), { method: "PUT", body, headers: { "content-type": "application/octet-stream" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
        if (!res.ok) throw new Error(`S3 PUT ${file.name}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
        break;
      } catch (err) {
        if (attempt >= ATTEMPTS) throw new Error(`S3 copy failed: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1_000 * 2 ** (attempt - 1)));
      }
    }
    keys.push(`${s3.prefix}${file.name}`);
  }
  return keys;
}
