import assert from "node:assert/strict";
import { describeTlsError } from "./tls_errors.ts";

const e = (m: string) => new Error(m);

Deno.test("each certificate problem is told with what to do about it", () => {
  assert.match(
    describeTlsError(e("invalid peer certificate: UnknownIssuer"), "h", false),
    /unknown issuer\): for a private CA or a self-signed certificate, pass it with --ca FILE/,
  );
  assert.match(
    describeTlsError(e("invalid peer certificate: UnknownIssuer"), "h", true),
    /not signed by the CA in --ca/,
  );
  assert.match(describeTlsError(e("invalid peer certificate: Expired"), "h", true), /has expired/);
  assert.match(
    describeTlsError(
      e('invalid peer certificate: certificate not valid for name "localhost"; certificate is only valid for DnsName("example.org")'),
      "localhost",
      true,
    ),
    /not for localhost \(it is for example\.org\): connect with --host/,
  );
  assert.match(
    describeTlsError(
      e("invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))"),
      "h",
      true,
    ),
    /basicConstraints=critical,CA:FALSE/,
  );
  assert.match(
    describeTlsError(e("received corrupt message of type InvalidContentType"), "h", false),
    /does not speak TLS on this port/,
  );
});
