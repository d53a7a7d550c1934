/**
 * @module protocols/analytics/query-result
 * The shape of an analytics answer, shared by the secure engine and the plaintext reference.
 */

/** A histogram: `counts[j]` rows fall in [edges[j], edges[j+1]) (the last bin also holds edges[m]). */
export interface HistogramValue {
  readonly edges: readonly number[];
  /** A bin below the minimum cell size is `null` (suppressed). */
  readonly counts: readonly (number | null)[];
}

/** Coefficients of a logistic regression: intercept first, then one per feature. */
export interface LogisticRegressionValue {
  readonly intercept: number;
  readonly coefficients: readonly number[];
  readonly features: readonly string[];
  readonly epochs: number;
}

/** The value of one aggregate. */
export type AggregateValue = number | HistogramValue | LogisticRegressionValue;

/** One group (the whole selection when there is no group-by). */
export interface GroupResult {
  /** Group-by column values; `{}` without group-by. */
  readonly key: Readonly<Record<string, string | boolean>>;
  /** True when the group's count is below the minimum cell size: no value is released. */
  readonly suppressed: boolean;
  /** Aggregates by name; empty when suppressed. */
  readonly values: Readonly<Record<string, AggregateValue>>;
}

/** The answer to a query. */
export interface QueryResult {
  readonly groups: readonly GroupResult[];
  /** Rows in the chosen data sets. */
  readonly rows: number;
  /**
   * Rows excluded because a value the query reads is not one the schema allows: a numeric value
   * outside [min, max], or a one-hot / boolean encoding that is not a single 0/1 indicator.
   * `null` when the parties suppressed it (fewer than the minimum cell size: it counts records too).
   */
  readonly excludedOutOfRange: number | null;
  /** Minimum cell size applied. */
  readonly minCellSize: number;
}
