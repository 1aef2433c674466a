// Certificates made by the tests themselves with openssl: a private CA and
// server certificates signed by it (right name, wrong name, expired), and a
// self-signed pair, in a temporary directory.

const decoder = new TextDecoder();

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`openssl ${args[0]} failed: ${decoder.decode(out.stderr)}`);
}

/** Files of one certificate: its PEM certificate and key. */
export interface Pair {
  cert: string;
  key: string;
}

/** A directory of certificates for one test; `remove()` deletes it. */
export interface Certs {
  dir: string;
  /** The private CA's certificate, for `chat join --ca`. */
  ca: string;
  /** A second CA, to tell a reloaded certificate from the first. */
  ca2: string;
  /** For localhost and 127.0.0.1, signed by `ca`. */
  server: Pair;
  /** For localhost and 127.0.0.1, signed by `ca2`. */
  server2: Pair;
  /** Signed by `ca`, for example.org only. */
  wrongHost: Pair;
  /** Signed by `ca`, expired yesterday. */
  expired: Pair;
  /** Self-signed for localhost and 127.0.0.1, as the README says to make one. */
  selfSigned: Pair;
  remove(): Promise<void>;
}

const SAN_LOCAL = "subjectAltName=DNS:localhost,IP:127.0.0.1";

/** `openssl req` with a new P-256 key in `name.key`, then `args` (-x509, -out, -subj …). */
function newKey(dir: string, name: string, ...args: string[]): Promise<void> {
  return openssl(
    dir,
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${name}.key`,
    ...args,
  );
}

async function signed(dir: string, name: string, ca: string, san: string, days: string) {
  await newKey(dir, name, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
  await Deno.writeTextFile(`${dir}/${name}.ext`, `${san}\nbasicConstraints=critical,CA:FALSE\n`);
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    days,
    "-extfile",
    `${name}.ext`,
  );
  return { cert: `${dir}/${name}.crt`, key: `${dir}/${name}.key` };
}

async function authority(dir: string, name: string): Promise<void> {
  await newKey(dir, name, "-x509", "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${name}`);
}

/** Makes a fresh set of certificates. Needs the `openssl` command. */
export async function makeCerts(): Promise<Certs> {
  const dir = await Deno.makeTempDir({ prefix: "chat-tls-test-" });
  await authority(dir, "test-ca");
  await authority(dir, "test-ca-2");
  const server = await signed(dir, "server", "test-ca", SAN_LOCAL, "2");
  const server2 = await signed(dir, "server2", "test-ca-2", SAN_LOCAL, "2");
  const wrongHost = await signed(
    dir,
    "wronghost",
    "test-ca",
    "subjectAltName=DNS:example.org",
    "2",
  );
  // A negative number of days ends the validity before it begins: expired.
  const expired = await signed(dir, "expired", "test-ca", SAN_LOCAL, "-1");
  await newKey(
    dir,
    "self",
    "-x509",
    "-out",
    "self.crt",
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    SAN_LOCAL,
    "-addext",
    "basicConstraints=critical,CA:FALSE",
  );
  return {
    dir,
    ca: `${dir}/test-ca.crt`,
    ca2: `${dir}/test-ca-2.crt`,
    server,
    server2,
    wrongHost,
    expired,
    selfSigned: { cert: `${dir}/self.crt`, key: `${dir}/self.key` },
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}
