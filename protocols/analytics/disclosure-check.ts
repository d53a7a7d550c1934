/**
 * @module protocols/analytics/disclosure-check
 * The query-set controls the parties apply before anything of a query is released
 * (Denning's query-set-size restriction and Dobkin-Jones-Lipton overlap control, on shares):
 * with k the minimum cell size, s the query's selection bits over n rows (valid rows passing
 * the filter), V the number of valid rows and h_j the selections of earlier queries laid out
 * over the same rows,
 *
 * - [|s| < k]: the filter selects fewer than k records;
 * - [V - |s| < k] when the query has a filter: it selects all but fewer than k records (its
 *   answer minus the unfiltered one would describe them);
 * - [d_j < k] for each earlier query j, d_j = sum (s + h_j - 2 s h_j) + o_j (o_j: what j
 *   selected in data sets this query does not read, erased ones included), the size of the
 *   symmetric difference: two queries whose selections differ by fewer than k records would
 *   describe those records by differencing. An identical query over unchanged rows is exempted
 *   by the caller from public information only (same filter, columns and rows), never because
 *   d_j happens to be 0, which would itself leak.
 *
 * Steps: [s h_j] for every j (one batched product round, n per earlier query); the sums are
 * local; one batched [x < 0] over 2 + J scalars (9 rounds); the refusal bit OR of them (a
 * product tree, ceil(log2(2 + J)) rounds); one checked open of that single bit. Only the bit
 * is revealed, to the parties (who then refuse): which condition failed stays secret.
 */
import type { ProtocolContext } from '../rss/context.js';
import { add, addPublic, concat, split, sub, sum } from '../rss/local-ops.js';
import { open } from '../rss/open.js';
import type { ReplicatedShare } from '../rss/replicated-share.js';
import type { CompareOps } from './compare-ops.js';
import { DisclosureRefusedError } from './errors.js';
import { mulPairs, orAll } from './secure-bits.js';

/** An earlier query as the overlap check sees it. */
export interface EarlierSelection {
  /** Its selection bits over the current n rows (0 where it did not look). */
  readonly selection: ReplicatedShare;
  /** How many rows it selected outside the current rows (other or erased data sets): one element. */
  readonly outside: ReplicatedShare;
}

/** Inputs of {@link checkQuerySet}. */
export interface QuerySetInput {
  /** Selection bits of the query (n rows). */
  readonly selection: ReplicatedShare;
  /** Validity bits (n rows): rows the query may count at all. */
  readonly valid: ReplicatedShare;
  /** Whether the query has a filter (public). */
  readonly filtered: boolean;
  /** Earlier queries' selections over the same n rows (zeros where they did not look). */
  readonly history: readonly EarlierSelection[];
  /** The minimum cell size k. */
  readonly k: number;
}

/**
 * Refuses the query (at every party alike) when a control above fails.
 * @throws DisclosureRefusedError `query-set-size` when the opened refusal bit is 1.
 */
export async function checkQuerySet(ctx: ProtocolContext, ops: CompareOps, input: QuerySetInput): Promise<void> {
  const { selection: s, valid, filtered, history, k } = input;
  const minusK = BigInt.asUintN(64, -BigInt(k));
  const size = sum(s);
  const tests: ReplicatedShare[] = [addPublic(ctx, size, minusK)];
  if (filtered) tests.push(addPublic(ctx, sub(ctx, sum(valid), size), minusK));
  if (history.length > 0) {
    const prods = await mulPairs(ctx, history.map(() => s), history.map((h) => h.selection));
    history.forEach((h, j) => {
      // d = sum(s) + sum(h) - 2 sum(s h) + (what h selected outside these rows)
      const twice = sum(prods[j]!);
      const d = add(ctx, sub(ctx, sub(ctx, add(ctx, size, sum(h.selection)), twice), twice), h.outside);
      tests.push(addPublic(ctx, d, minusK));
    });
  }
  const bits = split(await ops.ltz(ctx, concat(tests)), tests.map(() => 1));
  const refuse = await orAll(ctx, bits, 1);
  // Malicious mode: the decision is opened only after every product so far is verified.
  const [bit] = await open(ctx, refuse, { allProducts: true });
  if (bit !== 0n) {
    throw new DisclosureRefusedError(
      'query-set-size',
      `the query selects fewer than ${k} records, all but fewer than ${k}, or fewer than ${k} records apart from an earlier query over these data sets (differencing); refused`,
    );
  }
}
