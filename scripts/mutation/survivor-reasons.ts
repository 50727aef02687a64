// Why each mutant that survives `make mutation` in functions/authoriser and functions/shared is left alive, read by
// survivors.ts into SURVIVORS.md. A reason applies to every survivor in `file` whose line contains `code` (and, if
// given, whose mutator is `mutator`): write `code` so that it names one line.
export interface SurvivorReason {
  readonly file: string;
  readonly code: string;
  readonly mutator?: string;
  readonly reason: string;
}

export const SURVIVOR_REASONS: readonly SurvivorReason[] = [];
