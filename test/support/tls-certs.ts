/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1 / localhost, made with
 * the machine's `openssl` in a temp folder: what an operator's self-signed Redis or PgBouncer
 * setup looks like. A second, unrelated CA lets a test show that a wrong CA is refused.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface TestCerts {
  dir: string;
  /** PEM of the CA that signed `certFile`. */
  caFile: string;
  /** Server certificate (SAN: DNS localhost, IP 127.0.0.1; server and client auth). */
  certFile: string;
  keyFile: string;
  /** PEM of a CA that signed nothing here. */
  wrongCaFile: string;
  remove(): void;
}

const openssl = (args: string[], cwd: string) => execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });

function makeCa(dir: string, name: string): void {
  openssl(
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2", "-subj", `/CN=vps-shop ${name}`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    dir,
  );
}

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(path.join(tmpdir(), "vps-tls-"));
  makeCa(dir, "ca");
  makeCa(dir, "wrong-ca");
  openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], dir);
  writeFileSync(path.join(dir, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n");
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext"], dir);
  // Servers started as another user (PgBouncer refuses to run as root) must read them; the folder is private to the test run anyway.
  chmodSync(dir, 0o755);
  for (const f of ["ca.pem", "wrong-ca.pem", "server.pem", "server.key"]) chmodSync(path.join(dir, f), 0o644);
  return {
    dir,
    caFile: path.join(dir, "ca.pem"),
    certFile: path.join(dir, "server.pem"),
    keyFile: path.join(dir, "server.key"),
    wrongCaFile: path.join(dir, "wrong-ca.pem"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
