// AWS Signature Version 4 (header form) on node:crypto, for the requests signed-request.ts sends. Written here
// rather than taken from aws4, whose first call also loads `url`, `querystring` and an LRU (`make bench`, issue 16).
// aws4 stays in the tests as the oracle (test/functions/shared/sigv4.test.ts), beside AWS's published test vectors.
import { utcFields } from "./utc-time.ts";

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface RequestToSign {
  readonly method: string;
  /** The path as it goes on the wire (percent-encoded, no query): see `wirePath`. */
  readonly path: string;
  /** Every header that goes on the wire, `host` and `content-length` included; names in any case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly service: string;
  readonly region: string;
}

// Never signed: hop-by-hop, or rewritten on the way (aws4's list, so that the oracle test compares like with like;
// less `authorization`, which signRequest deletes before it signs).
const UNSIGNED = new Set(["connection", "x-amzn-trace-id", "user-agent", "expect", "presigned-expires", "range"]);

// Hex digests through one-shot crypto.hash (Node ≥ 21.7): no Hash object on the first call.
let crypto: typeof import("node:crypto") | undefined;
const nodeCrypto = (): typeof import("node:crypto") => (crypto ??= process.getBuiltinModule("node:crypto"));
const sha256Hex = (text: string): string => nodeCrypto().hash("sha256", text, "hex");
const hmac = (key: string | Buffer, text: string): Buffer =>
  nodeCrypto().createHmac("sha256", key).update(text, "utf8").digest();

/** `2026-12-01T21:14:15.123Z` -> `20261201T211415Z`. */
export function amzDate(now: Date): string {
  const [year, month, day, hour, minute, second] = utcFields(now.getTime());
  return `${year}${month}${day}T${hour}${minute}${second}Z`;
}

/** Every byte but the unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX, upper case. */
function encodeUnreserved(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// What a URL's pathname may hold that SigV4 and the services read as is; anything else is escaped before sending.
const PATH_AS_IS = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;

/**
 * The path to send: `pathname` with every other character as %XX, and a `%` that starts no escape as `%25`.
 * (A URL's pathname is ASCII; it keeps `[ ] ^ |` and a stray `%`, which the services would read otherwise.)
 */
export function wirePath(pathname: string): string {
  let out = "";
  for (let i = 0; i < pathname.length; i += 1) {
    const c = pathname[i] as string;
    if (PATH_AS_IS.test(c)) out += c;
    else if (c === "%" && /^[0-9A-Fa-f]{2}$/.test(pathname.slice(i + 1, i + 3))) out += c;
    else out += encodeUnreserved(c);
  }
  return out;
}

/**
 * The canonical URI of a service other than S3: empty and `.` segments dropped, `..` removing the one before, each
 * segment encoded again (the wire path is encoded once already, so AWS's "encode twice" holds).
 */
export function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(encodeUnreserved(segment));
  }
  if (segments.length === 0) return "/";
  return `/${segments.join("/")}${path.endsWith("/") ? "/" : ""}`;
}

/**
 * The headers to send for `request` at `now`: its own, `x-amz-date`, `x-amz-security-token` when the credentials
 * carry a session, and `authorization`. Header names come back in lower case.
 */
export function signRequest(
  request: RequestToSign,
  credentials: SigningCredentials,
  now: Date = new Date(),
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  const datetime = amzDate(now);
  headers["x-amz-date"] = datetime;
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
  delete headers.authorization;

  const signed = Object.keys(headers)
    .filter((name) => !UNSIGNED.has(name))
    .sort();
  const signedHeaders = signed.join(";");
  let canonicalHeaders = "";
  for (const name of signed) canonicalHeaders += `${name}:${(headers[name] as string).trim().replace(/\s+/g, " ")}\n`;
  const canonicalRequest = [
    request.method,
    canonicalPath(request.path),
    "", // No query string: the callers send none.
    canonicalHeaders,
    signedHeaders,
    sha256Hex(request.body),
  ].join("\n");

  const date = datetime.slice(0, 8);
  const scope = `${date}/${request.region}/${request.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${datetime}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const key = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), request.region), request.service),
    "aws4_request",
  );
  const signature = nodeCrypto().createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
