/**
 * @module protocols/analytics/share-dataset
 * Hospital-side splitting of encoded rows into the three parties' replicated shares. Party i
 * receives `(x_i, x_{i+1})` of every encoded element, column-major like {@link EncodedRows}, so
 * no single party learns anything about a value (Araki et al., CCS 2016).
 */
import { Prg } from '../../crypto-core/prg.js';
import { shareSecret } from '../rss/replicated-share.js';
import type { EncodedRows } from './encode-rows.js';
import type { SharedDataset } from './share-columns.js';

/** The three parties' shares of `rows`, in party order. Randomness comes from `rng` (fresh when omitted). */
export function shareEncodedRows(rows: EncodedRows, rng: Prg = Prg.random()): [SharedDataset, SharedDataset, SharedDataset] {
  const [s0, s1, s2] = shareSecret(rows.data, rng);
  return [
    { rows: rows.rows, share: s0 },
    { rows: rows.rows, share: s1 },
    { rows: rows.rows, share: s2 },
  ];
}
