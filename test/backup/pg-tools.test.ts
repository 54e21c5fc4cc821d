/**
 * libpqTarget: the one place a postgresql:// URL the app (pg) accepts becomes one pg_dump and
 * pg_restore (libpq) accept. test/scale/postgres-tls.test.ts runs the same URLs against a
 * TLS-only server.
 */
import { describe, expect, it } from "vitest";
import { libpqTarget } from "../../shop/backup/pg-tools.js";

describe("libpqTarget", () => {
  it("moves the password to PGPASSWORD and drops parameters libpq does not know", () => {
    const target = libpqTarget("postgresql://shop:p%40ss@db.internal:5432/vps_shop?schema=public&connection_limit=5&uselibpqcompat=true&sslmode=verify-full&application_name=x");
    expect(target).toEqual({ url: "postgresql://shop@db.internal:5432/vps_shop?sslmode=verify-full&application_name=x", env: { PGPASSWORD: "p@ss" } });
  });

  it("gives pg's sslmode=no-verify as libpq's require (libpq refuses 'no-verify')", () => {
    expect(libpqTarget("postgresql://postgres@127.0.0.1/vps_shop?sslmode=no-verify").url).toBe("postgresql://postgres@127.0.0.1/vps_shop?sslmode=require");
    expect(libpqTarget("postgresql://postgres@127.0.0.1/vps_shop?sslmode=verify-full").url).toBe("postgresql://postgres@127.0.0.1/vps_shop?sslmode=verify-full");
  });

  it("keeps a space in a CA path as %20, never '+' (which libpq reads literally), also when a parameter was dropped", () => {
    const ca = encodeURIComponent("/etc/our ca/ca+1.pem");
    const { url } = libpqTarget(`postgresql://postgres@127.0.0.1/vps_shop?uselibpqcompat=true&sslmode=verify-full&sslrootcert=${ca}`);
    expect(url).toBe("postgresql://postgres@127.0.0.1/vps_shop?sslmode=verify-full&sslrootcert=%2Fetc%2Four%20ca%2Fca%2B1.pem");
  });

  it("a URL without parameters stays as it is", () => {
    expect(libpqTarget("postgresql://postgres@127.0.0.1:5432/vps_shop").url).toBe("postgresql://postgres@127.0.0.1:5432/vps_shop");
  });
});
