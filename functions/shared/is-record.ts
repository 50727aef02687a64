/** A JSON object: not null, not an array. What every parser of untrusted JSON here checks first. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
