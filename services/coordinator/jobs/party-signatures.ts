/**
 * @module services/coordinator/jobs/party-signatures
 * The parties' output-statement signatures (services/wire/output-statement), passed on to the
 * client unchanged: the coordinator cannot check what they sign (the boxes are sealed to the
 * client) and need not, since the client checks them against its pinned keys.
 */

/** `results[i].signature` of every party, or an error naming the party without one. */
export function partySignatures(results: readonly unknown[]): [string, string, string] {
  return [0, 1, 2].map((i) => {
    const s = (results[i] as { signature?: unknown } | null)?.signature;
    if (typeof s !== 'string' || s.length === 0) throw new Error(`party ${i} result has no output signature`);
    return s;
  }) as [string, string, string];
}
