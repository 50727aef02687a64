import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificate {
  readonly key: Buffer;
  readonly cert: Buffer;
  /** Give this to a child process as NODE_EXTRA_CA_CERTS to trust the certificate. */
  readonly certPath: string;
}

/** A throwaway self-signed certificate for 127.0.0.1 and localhost (or `names`), made by openssl for one test run. */
export function makeLoopbackCertificate(names = "IP:127.0.0.1,DNS:localhost"): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "wsauth-cert-"));
  const keyPath = join(dir, "key.pem");
  const certPath = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      `subjectAltName=${names}`,
    ],
    { stdio: "ignore" },
  );
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), certPath };
}
