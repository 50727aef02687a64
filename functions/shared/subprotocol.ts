/** The subprotocol a browser offers beside its token: `new WebSocket(url, ["bearer", token])`. */
export const BEARER_SUBPROTOCOL = "bearer";

/** The entries of every Sec-WebSocket-Protocol header value, in order, trimmed. */
export function offeredSubprotocols(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(","))
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** Header values by case-insensitive name, from a plain header map. */
export function headerValues(headers: Record<string, string | undefined> | null | undefined, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  if (!headers) return values;
  for (const key in headers) {
    // Keys of another length cannot match: skipped without lower-casing (this runs on every $connect).
    if (key.length !== wanted.length || !Object.hasOwn(headers, key) || key.toLowerCase() !== wanted) continue;
    const value = headers[key];
    if (typeof value === "string") values.push(value);
  }
  return values;
}
