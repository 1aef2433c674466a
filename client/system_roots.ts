// The operating system's trusted root certificates, for `chat join --tls`.
// Deno verifies against Mozilla's list built into it; a CA that an
// organisation installed on its machines (in the system bundle) is not in
// that list, so the bundle is read here and passed as extra roots
// (`caCerts` adds to Deno's store, it does not replace it).

/** Where systems keep their roots as one PEM file, most common first. */
export const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Arch, Alpine, Gentoo
  "/etc/pki/tls/certs/ca-bundle.crt", // Fedora, RHEL, CentOS
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL, without the compat link
  "/etc/ssl/ca-bundle.pem", // openSUSE
  "/etc/ssl/cert.pem", // macOS, FreeBSD, OpenBSD
];

/** The roots found, and the file they came from. */
export interface SystemRoots {
  pem: string;
  file: string;
}

/**
 * Reads the system's bundle: `SSL_CERT_FILE` when set (as OpenSSL does;
 * an unreadable one is an error naming it), else the first of
 * {@linkcode SYSTEM_BUNDLES} that exists. Null when there is none:
 * Mozilla's roots alone are used then.
 */
export async function systemRoots(
  sslCertFile: string | undefined = Deno.env.get("SSL_CERT_FILE"),
): Promise<SystemRoots | null> {
  if (sslCertFile) {
    let pem: string;
    try {
      pem = await Deno.readTextFile(sslCertFile);
    } catch (err) {
      const why = err instanceof Deno.errors.NotFound ? "no such file" : (err as Error).message;
      throw new Error(`cannot read SSL_CERT_FILE ${sslCertFile}: ${why}; unset it or fix the path`);
    }
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
      throw new Error(`SSL_CERT_FILE ${sslCertFile} holds no PEM certificate`);
    }
    return { pem, file: sslCertFile };
  }
  for (const file of SYSTEM_BUNDLES) {
    try {
      const pem = await Deno.readTextFile(file);
      if (pem.includes("-----BEGIN CERTIFICATE-----")) return { pem, file };
    } catch {
      // not on this system (or not readable): try the next place
    }
  }
  return null;
}
