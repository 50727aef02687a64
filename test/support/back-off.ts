import sinon from "sinon";

// The DynamoDB and Management API clients pause Math.random() × 50 ms × 2^attempt before a retry, and retry only
// when that pause ends before the call's deadline. With Math.random fixed (and Date moved only by the test) both
// are arithmetic, which a test can assert without measuring time.

/** Math.random while a back-off helper runs: the pauses are then 50 ms, 100 ms... */
export const FIXED_RANDOM = 0.5;

/** The deadline of the deadline-cut cases: with FIXED_RANDOM, the first pause is 50 ms and the second 100 ms. */
export const CUT_DEADLINE_MS = 10_000;

/**
 * How long each attempt took (ms since the call began, set by the stand-in before it answers), and how many attempts
 * that leaves: a retry happens only where its pause ends before the deadline, not at it.
 */
export const DEADLINE_CUTS = [
  [[9_950], 1],
  [[5_000, 9_900], 2],
] as const;

/** The pauses `call` waited between attempts: setTimeout's delays under 1 s (the others are attempts' deadlines). */
export async function backOffPauses(call: () => Promise<unknown>): Promise<number[]> {
  const random = sinon.stub(Math, "random").returns(FIXED_RANDOM);
  const timers = sinon.spy(globalThis, "setTimeout");
  try {
    await call();
  } finally {
    timers.restore();
    random.restore();
  }
  return timers
    .getCalls()
    .map((timer) => timer.args[1] as number)
    .filter((ms) => ms < 1_000);
}

/**
 * Run `call` with Math.random fixed and Date stopped: Date moves only when `setElapsed` (say, from the stand-in
 * server, before it answers) sets how many ms have passed since the call began. Each attempt's own deadline is
 * then as long as what is left by Date, in real time, so a loaded machine cannot make it pass first.
 */
export async function withScriptedDate<T>(call: (setElapsed: (ms: number) => void) => Promise<T>): Promise<T> {
  const start = Date.parse("2026-12-01T00:00:00Z");
  const random = sinon.stub(Math, "random").returns(FIXED_RANDOM);
  const clock = sinon.useFakeTimers({ now: start, toFake: ["Date"] });
  try {
    return await call((ms) => clock.setSystemTime(start + ms));
  } finally {
    clock.restore();
    random.restore();
  }
}
