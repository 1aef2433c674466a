/**
 * Why a TLS connection to `host` was refused, in words a user can act on:
 * what is wrong with the server's certificate and what to do about it. No
 * option turns verification off: the fix is on the server, or `--ca`.
 *
 * @example
 * describeTlsError(new Error("invalid peer certificate: UnknownIssuer"), "chat.example.org", false)
 * // "the server's certificate is signed by an authority this machine does not trust ..."
 */
export function describeTlsError(err: unknown, host: string, withCa: boolean): string {
  const raw = err instanceof Error ? err.message : String(err);
  if (/UnknownIssuer/.test(raw)) {
    return withCa
      ? "the server's certificate is not signed by the CA in --ca (unknown issuer): " +
        "pass the certificate of the CA that signed it, or the server's own if it is self-signed"
      : "the server's certificate is signed by an authority this machine does not trust " +
        "(unknown issuer): for a private CA or a self-signed certificate, pass it with --ca FILE";
  }
  if (/Expired/.test(raw)) {
    return "the server's certificate has expired: its operator must renew it " +
      "(and send the server SIGHUP to load the new one)";
  }
  if (/NotValidYet/.test(raw)) {
    return "the server's certificate is not valid yet: check the clocks of this machine and the server";
  }
  const name = /not valid for name "([^"]*)"(?:; certificate is only valid for (.*))?/.exec(raw);
  if (name || /NotValidForName/.test(raw)) {
    const names = name?.[2] ? ` (it is for ${name[2].replace(/DnsName\("([^"]*)"\)/g, "$1")})` : "";
    return `the server's certificate is not for ${host}${names}: connect with --host set to a ` +
      "name the certificate covers";
  }
  if (/CaUsedAsEndEntity/.test(raw)) {
    return "the server's certificate is a CA certificate used as a server's own, which TLS " +
      "refuses: make the self-signed pair with -addext basicConstraints=critical,CA:FALSE " +
      "(see the README's Security section)";
  }
  if (/corrupt message|InvalidContentType|wrong version|record overflow/i.test(raw)) {
    return "the server does not speak TLS on this port: drop --tls, or check --port";
  }
  return `the TLS handshake failed: ${raw.replace(/\s*\(os error \d+\)$/, "")}`;
}
