import sinon from "sinon";

// The DynamoDB and Management API clients pause Math.random() × 50 ms × 2^attempt before a retry, and retry only
// when that pause ends before the call's deadline. With Math.random fixed (and Date stopped) both are arithmetic,
// which a test can assert without measuring time.

/** Math.random while a back-off helper runs: the pauses are then 50 ms, 100 ms... */
export const FIXED_RANDOM = 0.5;

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

const SUCCEEDED = Symbol("succeeded");

/** What `call` failed with, run with Math.random fixed and Date stopped: a deadline is then met or missed by arithmetic. */
export async function failureWithDateStopped(call: () => Promise<unknown>): Promise<unknown> {
  const random = sinon.stub(Math, "random").returns(FIXED_RANDOM);
  const clock = sinon.useFakeTimers({ now: Date.parse("2026-12-01T00:00:00Z"), toFake: ["Date"] });
  let failure: unknown = SUCCEEDED;
  try {
    await call();
  } catch (err) {
    failure = err;
  } finally {
    clock.restore();
    random.restore();
  }
  if (failure === SUCCEEDED) throw new Error("expected the call to fail");
  return failure;
}
