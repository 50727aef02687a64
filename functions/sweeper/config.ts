import { WsAuthError } from "../shared/errors.ts";

/** The sweeper's own settings, parsed once at init. */
export interface SweeperConfig {
  /** Send `reauth_required` this long before `exp`; 0 sends none. */
  readonly reauthWarningSeconds: number;
  /** How often the schedule runs the sweeper (Terraform derives it from sweep_schedule). */
  readonly sweepIntervalSeconds: number;
}

export const DEFAULT_REAUTH_WARNING_SECONDS = 120;
export const DEFAULT_SWEEP_INTERVAL_SECONDS = 60;
/** EventBridge's rate(1 day); the local stack allows 1 second. */
const MAX_SWEEP_INTERVAL_SECONDS = 86_400;
/** API Gateway's 2-hour cap on a connection: a warning earlier than that says nothing. */
const MAX_REAUTH_WARNING_SECONDS = 7200;

export class SweeperConfigError extends WsAuthError {
  readonly variable: string;
  constructor(variable: string, expected: string, got: string | undefined) {
    super(
      `${variable}: expected ${expected}, got ${got === undefined ? "nothing (unset)" : JSON.stringify(got.slice(0, 80))}`,
    );
    this.name = "SweeperConfigError";
    this.variable = variable;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function wholeSeconds(env: Env, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new SweeperConfigError(variable, `whole seconds from ${min} to ${max}`, raw);
  return value;
}

/**
 * A warning window shorter than the sweep interval leaves a gap between two sweeps' windows: a connection whose
 * `exp` falls in it would get no warning. Each connection is warned between (window - interval) and window
 * seconds before its `exp`.
 */
export function parseSweeperConfig(env: Env): SweeperConfig {
  const sweepIntervalSeconds = wholeSeconds(
    env,
    "SWEEP_INTERVAL_SECONDS",
    DEFAULT_SWEEP_INTERVAL_SECONDS,
    1,
    MAX_SWEEP_INTERVAL_SECONDS,
  );
  const reauthWarningSeconds = wholeSeconds(
    env,
    "REAUTH_WARNING_SECONDS",
    DEFAULT_REAUTH_WARNING_SECONDS,
    0,
    MAX_REAUTH_WARNING_SECONDS,
  );
  if (reauthWarningSeconds !== 0 && reauthWarningSeconds < sweepIntervalSeconds) {
    throw new SweeperConfigError(
      "REAUTH_WARNING_SECONDS",
      `0 (no warning) or at least SWEEP_INTERVAL_SECONDS (${sweepIntervalSeconds}), or some connections get no warning`,
      env.REAUTH_WARNING_SECONDS,
    );
  }
  return Object.freeze({ reauthWarningSeconds, sweepIntervalSeconds });
}
