import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFlagFile } from "../../cli/read_text.ts";

/** A certificate and its key, read and checked, ready for `Deno.listenTls`. */
export interface TlsPair {
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The leaf certificate's subject and end of validity, for the log. */
  readonly subject: string;
  readonly notAfter: Date;
  /** Things worth a warning that do not stop the server (expired, not yet valid). */
  readonly warnings: readonly string[];
}

/** A pair that cannot be used; the message names the file and what is wrong. */
export class TlsPairError extends Error {
  override name = "TlsPairError";
}

async function readPem(flag: string, file: string): Promise<string> {
  try {
    return await readFlagFile(flag, file);
  } catch (err) {
    throw new TlsPairError((err as Error).message);
  }
}

/**
 * Reads `certFile` and `keyFile` and checks that they are PEM, that the key
 * is the certificate's, and that TLS accepts them. Throws
 * {@linkcode TlsPairError} with one line saying which file is wrong and how.
 */
export async function loadTlsPair(
  certFile: string,
  keyFile: string,
  now: Date = new Date(),
): Promise<TlsPair> {
  const cert = await readPem("--tls-cert", certFile);
  const key = await readPem("--tls-key", keyFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new TlsPairError(
      `--tls-cert ${certFile} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`,
    );
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    const encrypted = /passphrase|encrypted/i.test(String(err)) || /ENCRYPTED/.test(key);
    throw new TlsPairError(
      encrypted
        ? `--tls-key ${keyFile} is encrypted; chat needs it unencrypted ` +
          `(openssl pkey -in ${keyFile} -out key.pem)`
        : `--tls-key ${keyFile} holds no PEM private key (expected -----BEGIN PRIVATE KEY-----)`,
    );
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new TlsPairError(
      `--tls-key ${keyFile} does not match the certificate in --tls-cert ${certFile}`,
    );
  }
  // The TLS library is stricter than the parser above about some key types.
  try {
    Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key }).close();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TlsPairError(
      `--tls-cert ${certFile} and --tls-key ${keyFile} cannot be used: ${why}`,
    );
  }
  const notAfter = new Date(x509.validTo);
  const notBefore = new Date(x509.validFrom);
  const warnings: string[] = [];
  if (notAfter < now) {
    warnings.push(
      `the certificate in ${certFile} expired on ${notAfter.toISOString()}: clients will refuse ` +
        "it; renew it, then send SIGHUP",
    );
  } else if (notBefore > now) {
    warnings.push(
      `the certificate in ${certFile} is not valid before ${notBefore.toISOString()}: clients ` +
        "will refuse it until then (check this machine's clock)",
    );
  }
  return {
    cert,
    key,
    certFile,
    keyFile,
    subject: x509.subject.replace(/\n/g, ", "),
    notAfter,
    warnings,
  };
}
