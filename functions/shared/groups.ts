/**
 * True when `groups` holds at least one of `anyOf`, names compared exactly; an empty `anyOf` is never met (each
 * caller decides what "none required" means). Loops, not some()/includes() with a closure: the authoriser calls it
 * on every $connect, with no allocation.
 */
export function isInAnyGroup(groups: readonly string[], anyOf: readonly string[]): boolean {
  for (let i = 0; i < groups.length; i++) {
    for (let j = 0; j < anyOf.length; j++) {
      if (groups[i] === anyOf[j]) return true;
    }
  }
  return false;
}
