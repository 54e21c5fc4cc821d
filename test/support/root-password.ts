/**
 * "Does this password log in as root on that fake server?" The clouds are told a root password
 * either as text (Linode root_pass) or only as a SHA-512 crypt hash in cloud-config user_data
 * (DigitalOcean, Vultr), so tests check the password against whichever the cloud received.
 */
import type { FakeCloudServer } from "../../ops/fakes/clouds/index.js";
import { verifySha512Crypt } from "../../shop/crypto/sha512-crypt.js";

export function acceptsRootPassword(server: Pick<FakeCloudServer, "rootPassword" | "rootPasswordHash"> | undefined, password: string): boolean {
  if (!server) return false;
  if (server.rootPasswordHash !== null) return verifySha512Crypt(password, server.rootPasswordHash);
  return server.rootPassword === password;
}
