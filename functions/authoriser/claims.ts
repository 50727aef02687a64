// What both issuer kinds' claim checks share: the claims a token must carry, by JSON type.
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { Rejection } from "./errors.ts";

export type Claims = JwtPayload;

export type ClaimType = "string" | "number";

/** Optional, but never empty when present (Cognito's are UUIDs). */
const OPTIONAL_IDS = ["jti", "origin_jti", "event_id"] as const;

/** Each required claim present with its type (a non-empty string, a finite number); missing_claim or invalid_claim. */
export function requireClaims(payload: Claims, required: Readonly<Record<string, ClaimType>>): void {
  for (const name in required) {
    const value = payload[name];
    if (value === undefined) throw new Rejection("missing_claim", `claim ${name} is missing`);
    const ok =
      required[name] === "number"
        ? typeof value === "number" && Number.isFinite(value)
        : typeof value === "string" && value !== "";
    if (!ok) throw new Rejection("invalid_claim", `claim ${name} is not a ${required[name]}`);
  }
  for (const name of OPTIONAL_IDS) {
    const value = payload[name];
    if (value !== undefined && (typeof value !== "string" || value === ""))
      throw new Rejection("invalid_claim", `claim ${name} is not a string`);
  }
}
