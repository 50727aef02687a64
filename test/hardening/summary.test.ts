import { ledger } from "./support/ledger.ts";

// Root-level: runs once after every test file, so it sees every line the hardening suite collected.
after(() => {
  const { casesTried, faultsInjected, connectionsHeld, allowsOfBadInput } = ledger.tally;
  console.log(
    `\n  hardening totals: ${casesTried} cases tried, ${faultsInjected} faults injected, ${connectionsHeld} connections held, ` +
      `${allowsOfBadInput} allows of bad input; ${ledger.lineCount} log lines scanned for ${ledger.tokenCount} tokens`,
  );
  const leaks = ledger.leaking();
  if (allowsOfBadInput !== 0) throw new Error(`${allowsOfBadInput} bad inputs were allowed`);
  if (leaks.length > 0)
    throw new Error(`${leaks.length} log lines hold a token or a signature segment, e.g. ${leaks[0]?.slice(0, 200)}`);
});
