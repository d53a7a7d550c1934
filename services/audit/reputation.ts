/**
 * @module services/audit/reputation
 * Reputation from evidence: a pure, deterministic function of audit entries (docs/governance.md).
 * The coordinator runs it over its log to decide quarantines; `mpc audit reputation <export>`
 * runs it over an export and prints the same bytes, so anyone can recompute every score.
 *
 * Per party service id, from the entries alone:
 * - `jobs`: `job.placed` entries naming it (field `parties`, index -> service id);
 * - `completed`: those jobs that reached `job.verified`;
 * - `gone`: `job.failed` entries with code `party-gone` whose reason is the coordinator's own
 *   observation naming this party's index and id (`party-gone: party <i> (<id>)...`). A peer's
 *   failure report cannot produce that text (the coordinator writes such faults as
 *   `party <i> failed: ...`), so a cheater cannot charge an honest party with disappearing;
 * - `accusations`: `verification.failed` entries whose `accused` names it, and `accusers`, the
 *   distinct reporters;
 * - `incidents`: jobs with at least one accusation in which it took part, and `candidateIn`: the
 *   incidents in which it is a *consistent culprit* (below);
 * - `proven`: it is the only service common to the culprit sets of two incidents (or the only
 *   culprit of one, or the only one common to all the incidents it is a culprit in).
 *
 * The culprit set of an incident (one job, its trio, its accusations), under the assumption that
 * at most one of the three misbehaved: party x is a consistent culprit when every accusation
 * filed by another party names x (an honest party's accusation always contains the cheater; the
 * cheater's own may say anything). A cheater is therefore always in the culprit set of an incident
 * it caused, whatever counter-accusations it files, so as long as all incidents considered have
 * the same one cheater, no two of their culprit sets intersect in an honest party alone: `proven`
 * never names an honest party. The limits: three-party accusations are pairs (each party can only
 * say "one of my two peers"), so one trio's incidents leave all three in the culprit set and
 * prove nothing however often they repeat; proof needs incidents with different partners. Two
 * different cheaters in two incidents that share an honest party can get that party proven.
 *
 * Score: `(completed + 1) / (completed + 1 + gone)`, a reliability estimate with one assumed
 * success. Accusations do not enter the score: in a trio they fall on all three alike, so
 * counting them would let one cheater drag down the two honest parties as far as itself.
 * Quarantine: `proven`, or `score < minScore` with at least `minGone` disappearances.
 *
 * A `party.reinstated` entry (operators' signed decision) starts the party afresh: its numbers
 * count only jobs placed after its last reinstatement.
 */
import { canonicalJson } from '../../crypto-core/canonical-json.js';
import { toHex } from '../../crypto-core/encoding.js';
import { leafHash } from '../../crypto-core/merkle/hashing.js';
import { decodeAuditEntryText, encodeAuditEntry, type AuditEntry } from '../wire/audit-entry.js';

/** When a party is quarantined (besides proven misbehaviour). */
export interface ReputationThresholds {
  /** Quarantine below this score (default 0.5). */
  minScore: number;
  /** ... but only with at least this many coordinator-observed disappearances (default 3). */
  minGone: number;
}

/** The default thresholds. */
export const DEFAULT_REPUTATION_THRESHOLDS: Readonly<ReputationThresholds> = Object.freeze({ minScore: 0.5, minGone: 3 });

/** One party's numbers. */
export interface PartyReputation {
  serviceId: string;
  jobs: number;
  completed: number;
  gone: number;
  accusations: number;
  accusers: string[];
  incidents: number;
  candidateIn: number;
  proven: boolean;
  /** Rounded to 6 decimals (so every implementation prints the same number). */
  score: number;
  quarantine: boolean;
  /** Why `quarantine` (empty when false). */
  because: string;
  /** Leaf indices of the entries the quarantine rests on (ascending; empty when not quarantined). */
  evidence: number[];
}

/** The whole computation. */
export interface ReputationReport {
  /** Entries read (the log or export size). */
  entries: number;
  thresholds: ReputationThresholds;
  /** By service id, sorted. */
  parties: PartyReputation[];
}

/** Checks thresholds at the boundary. */
export function checkThresholds(t: Partial<ReputationThresholds> = {}): ReputationThresholds {
  const out = { ...DEFAULT_REPUTATION_THRESHOLDS, ...t };
  if (!(typeof out.minScore === 'number' && out.minScore >= 0 && out.minScore <= 1)) throw new RangeError(`minScore: expected a number in [0, 1], got ${String(out.minScore)}`);
  if (!(Number.isSafeInteger(out.minGone) && out.minGone >= 1)) throw new RangeError(`minGone: expected an integer >= 1, got ${String(out.minGone)}`);
  return out;
}

interface Incident {
  trio: [string, string, string];
  /** Accusations: reporter index -> accused indices, and the entry index. */
  reports: { reporter: number; accused: number[]; seq: number }[];
  placedSeq: number;
}

interface Tally {
  jobs: number;
  completed: number;
  gone: number[];
  accusations: number[];
  accusers: Set<string>;
  incidents: number;
  candidateIn: { job: string; set: Set<string>; seqs: number[] }[];
}

/** The leaf hash (SHA-256(0x00 || canonical bytes)) of `entry`, hex: how evidence names an entry. */
export function entryDigest(entry: AuditEntry): string {
  return toHex(leafHash(encodeAuditEntry(entry)));
}

/**
 * Computes every party's reputation from `entries` (in log order). Deterministic: the same
 * entries give the same report, whatever else is in the log.
 */
export function computeReputation(entries: readonly AuditEntry[], thresholds: Partial<ReputationThresholds> = {}): ReputationReport {
  const t = checkThresholds(thresholds);
  const tallies = new Map<string, Tally>();
  const tally = (id: string): Tally => {
    let x = tallies.get(id);
    if (!x) tallies.set(id, (x = { jobs: 0, completed: 0, gone: [], accusations: [], accusers: new Set(), incidents: 0, candidateIn: [] }));
    return x;
  };
  // A reinstatement is a fresh start: a party's numbers count only entries after its last one.
  const since = new Map<string, number>();
  for (const e of entries) if (e.type === 'party.reinstated' && e.serviceId !== undefined) since.set(e.serviceId, e.seq);
  const counts = (id: string, seq: number): boolean => seq > (since.get(id) ?? -1);
  const trios = new Map<string, { trio: [string, string, string]; seq: number }>();
  const incidents = new Map<string, Incident>();
  for (const e of entries) {
    if (e.jobId === undefined) continue;
    if (e.type === 'job.placed' && e.parties?.length === 3) {
      // A job is placed once; a second placed entry for the same id is ignored.
      if (trios.has(e.jobId)) continue;
      const trio = e.parties as [string, string, string];
      trios.set(e.jobId, { trio, seq: e.seq });
      for (const id of new Set(trio)) if (counts(id, e.seq)) tally(id).jobs++;
      continue;
    }
    const placed = trios.get(e.jobId);
    if (!placed) continue;
    if (e.type === 'job.verified') {
      for (const id of new Set(placed.trio)) if (counts(id, placed.seq)) tally(id).completed++;
    } else if (e.type === 'job.failed' && e.party !== undefined && e.reason !== undefined) {
      const id = placed.trio[e.party]!;
      if (counts(id, placed.seq) && e.reason.startsWith(`party-gone: party ${e.party} (${id})`)) tally(id).gone.push(e.seq);
    } else if (e.type === 'verification.failed' && e.party !== undefined && e.accused !== undefined) {
      // The reporter must be the party the placement names at that index (its signed report).
      if (placed.trio[e.party] !== e.actor) continue;
      let inc = incidents.get(e.jobId);
      if (!inc) incidents.set(e.jobId, (inc = { trio: placed.trio, reports: [], placedSeq: placed.seq }));
      inc.reports.push({ reporter: e.party, accused: e.accused, seq: e.seq });
      for (const q of e.accused) {
        if (!counts(placed.trio[q]!, placed.seq)) continue;
        const x = tally(placed.trio[q]!);
        x.accusations.push(e.seq);
        x.accusers.add(e.actor);
      }
    }
  }
  // Culprit sets, incident by incident (in the order of their first accusation).
  for (const [job, inc] of incidents) {
    const set = new Set<string>();
    for (const x of [0, 1, 2]) if (inc.reports.every((r) => r.reporter === x || r.accused.includes(x))) set.add(inc.trio[x]!);
    const seqs = [inc.placedSeq, ...inc.reports.map((r) => r.seq)];
    for (const id of new Set(inc.trio)) if (counts(id, inc.placedSeq)) tally(id).incidents++;
    for (const id of set) if (counts(id, inc.placedSeq)) tally(id).candidateIn.push({ job, set, seqs });
  }
  const parties: PartyReputation[] = [];
  for (const id of [...tallies.keys()].sort()) {
    const x = tallies.get(id)!;
    // Proven: a culprit set {id}, or two culprit sets meeting in {id} alone.
    let proof: { seqs: number[]; why: string } | undefined;
    const mine = x.candidateIn;
    for (let i = 0; i < mine.length && !proof; i++) {
      if (mine[i]!.set.size === 1) proof = { seqs: mine[i]!.seqs, why: `the only consistent culprit of job ${mine[i]!.job}` };
      for (let j = i + 1; j < mine.length && !proof; j++) {
        const common = [...mine[i]!.set].filter((s) => mine[j]!.set.has(s));
        if (common.length === 1) proof = { seqs: [...mine[i]!.seqs, ...mine[j]!.seqs], why: `the only culprit common to jobs ${mine[i]!.job} and ${mine[j]!.job}` };
      }
    }
    proof ??= commonCulprit(mine);
    const score = Math.round(((x.completed + 1) / (x.completed + 1 + x.gone.length)) * 1e6) / 1e6;
    const unreliable = score < t.minScore && x.gone.length >= t.minGone;
    const because = proof ? `proven misbehaviour: ${proof.why}` : unreliable ? `score ${score} below ${t.minScore} after ${x.gone.length} disappearances` : '';
    const evidence = proof ? proof.seqs : unreliable ? x.gone : [];
    parties.push({
      serviceId: id,
      jobs: x.jobs,
      completed: x.completed,
      gone: x.gone.length,
      accusations: x.accusations.length,
      accusers: [...x.accusers].sort(),
      incidents: x.incidents,
      candidateIn: mine.length,
      proven: proof !== undefined,
      score,
      quarantine: proof !== undefined || unreliable,
      because,
      evidence: [...new Set(evidence)].sort((a, b) => a - b),
    });
  }
  return { entries: entries.length, thresholds: t, parties };
}

/**
 * Proof over more than two incidents: the culprit sets of all the incidents a party is a
 * culprit in, intersected, leave that party alone (the incidents of one cheater with a standby
 * taking each seat of the trio in turn, docs/governance.md "Probes"). The evidence is the
 * incidents that narrowed the intersection, in log order.
 */
function commonCulprit(mine: Tally['candidateIn']): { seqs: number[]; why: string } | undefined {
  if (mine.length < 3) return undefined;
  let common: Set<string> | undefined;
  const used: Tally['candidateIn'] = [];
  for (const c of mine) {
    const next: Set<string> = common ? new Set([...common].filter((s) => c.set.has(s))) : new Set(c.set);
    if (common && next.size === common.size) continue;
    common = next;
    used.push(c);
  }
  if (common?.size !== 1) return undefined;
  return { seqs: used.flatMap((c) => c.seqs), why: `the only culprit common to jobs ${used.map((c) => c.job).join(', ')}` };
}

/** The report as canonical JSON (RFC 8785): what `--json` prints and what the service answers. */
export function reputationJson(report: ReputationReport): string {
  return canonicalJson(report);
}

/** The report as text, one line per party (what `mpc audit reputation` prints without `--json`). */
export function reputationText(report: ReputationReport): string {
  const lines = [`${report.entries} entries; quarantine when proven, or score < ${report.thresholds.minScore} with >= ${report.thresholds.minGone} disappearances`];
  for (const p of report.parties) {
    lines.push(
      `${p.serviceId}: score ${p.score} jobs ${p.jobs} completed ${p.completed} gone ${p.gone} accusations ${p.accusations} (by ${p.accusers.length}) incidents ${p.incidents} culprit-in ${p.candidateIn}${p.proven ? ' PROVEN' : ''}${p.quarantine ? ` QUARANTINE (${p.because}; entries ${p.evidence.join(',')})` : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * The entries of an export's `entries.jsonl` (each line decoded and checked canonical).
 * @throws AuditEntryError naming the first bad line.
 */
export function entriesOfJsonl(bytes: Uint8Array): AuditEntry[] {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line, k) => decodeAuditEntryText(line, `entries.jsonl line ${k + 1}`));
}
