/**
 * @module protocols/analytics/counting-compare-ops
 * The {@link CompareOps} the analytics engine uses by default: {@link analyticsCompareOps}
 * (range-aware comparisons, verified in malicious mode) with `thresholdCounts`
 * (threshold-counts.ts: histogram bin counts from bit planes decomposed once per column, no
 * per-row comparison bit), in both modes: on a malicious context every plane AND is the
 * verified gate and the decomposition has no input from party 0 (threshold-counts.ts).
 */
import type { CompareOps } from './compare-ops.js';
import { analyticsCompareOps } from './range-compare-malicious.js';
import { thresholdCounts } from './threshold-counts.js';

/** Range-aware {@link CompareOps} with plane-based threshold counts; frozen, safe to share between jobs. */
export const countingCompareOps: CompareOps = Object.freeze({ ...analyticsCompareOps, thresholdCounts });
