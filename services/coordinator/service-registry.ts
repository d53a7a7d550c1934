/**
 * @module services/coordinator/service-registry
 * Which services exist, with their keys, and whether they are up. Only services the coordinator
 * was configured to trust are registered: an announcement is accepted when it is signed by the
 * key configured for its id and is recent. A service is up while it keeps announcing (or
 * answering probes) and down after `staleMs` of silence or when the dispatcher finds it gone.
 */
import { fromHex } from '../../crypto-core/encoding.js';
import { ANNOUNCE_DOMAIN, verifyMessage, type AnnounceMessage } from '../wire/job-messages.js';
import type { ServiceRecord } from '../wire/api.js';
import type { PromotionRecord } from '../wire/party-governance.js';

/** A service the coordinator trusts, from its configuration. */
export interface TrustedService {
  id: string;
  kind: ServiceRecord['kind'];
  index?: number;
  signingPublicKey: string;
  agreementPublicKey: string;
  /**
   * A standby for slot `index`: no job is placed on it until operators promote it
   * ({@link ServiceRegistry.promote}, docs/governance.md "Standby parties").
   */
  standby?: boolean;
  /** The region the service runs in (operator configuration), matched against residency constraints. */
  region?: string;
}

interface Entry {
  trusted: TrustedService;
  lastSeen?: number;
  down: boolean;
  capabilities: string[];
}

/** A residency constraint: what it protects (for messages) and the one region its shares may be kept in. */
export interface Residency {
  what: string;
  region: string;
}

/** Result of handling an announcement. */
export type AnnounceOutcome = { accepted: true; id: string; joined: boolean } | { accepted: false; reason: string };

/** The registry. */
export class ServiceRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #staleMs: number;
  readonly #now: () => number;
  /** Quarantined service ids, with why (no new jobs until reinstated). */
  readonly #quarantined = new Map<string, string>();
  /** Promoted standbys by service id, with the operators' decisions that the job orders carry. */
  readonly #promoted = new Map<string, PromotionRecord>();

  constructor(trusted: readonly TrustedService[], opts: { staleMs?: number; now?: () => number } = {}) {
    for (const t of trusted) this.#entries.set(t.id, { trusted: t, down: false, capabilities: [] });
    this.#staleMs = opts.staleMs ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Verifies and records a signed announcement. `joined` is true when the service was not up before. */
  handleAnnounce(raw: unknown): AnnounceOutcome {
    const claimed = (raw as { body?: { id?: unknown } } | null)?.body?.id;
    const entry = typeof claimed === 'string' ? this.#entries.get(claimed) : undefined;
    if (!entry) return { accepted: false, reason: `unknown service ${JSON.stringify(claimed)}` };
    let key: Uint8Array;
    try {
      key = fromHex(entry.trusted.signingPublicKey, 'signingPublicKey', 32);
    } catch {
      return { accepted: false, reason: `configured key of ${entry.trusted.id} is not valid hex` };
    }
    const body = verifyMessage<AnnounceMessage>(ANNOUNCE_DOMAIN, raw, key);
    if (!body) return { accepted: false, reason: `announcement of ${entry.trusted.id} is not signed by its configured key` };
    if (body.agreementPublicKey !== entry.trusted.agreementPublicKey) return { accepted: false, reason: `announcement of ${entry.trusted.id} names another agreement key` };
    const now = this.#now();
    if (typeof body.at !== 'number' || Math.abs(now - body.at) > 60_000) return { accepted: false, reason: `announcement of ${entry.trusted.id} is not recent` };
    const joined = !this.#isUp(entry, now);
    entry.lastSeen = now;
    entry.down = false;
    entry.capabilities = Array.isArray(body.capabilities) ? body.capabilities.filter((c) => typeof c === 'string') : [];
    return { accepted: true, id: entry.trusted.id, joined };
  }

  /** Marks `id` as seen now (a successful probe). */
  markSeen(id: string): void {
    const e = this.#entries.get(id);
    if (e) {
      e.lastSeen = this.#now();
      e.down = false;
    }
  }

  /** Marks `id` down until it announces again. */
  markDown(id: string): void {
    const e = this.#entries.get(id);
    if (e) e.down = true;
  }

  /**
   * Marks every service down until it announces again (the coordinator lost the broker and
   * cannot know who kept or lost their subscriptions; services re-announce after reconnecting).
   */
  markAllDown(): void {
    for (const e of this.#entries.values()) e.down = true;
  }

  #isUp(e: Entry, now: number): boolean {
    return !e.down && e.lastSeen !== undefined && now - e.lastSeen <= this.#staleMs;
  }

  /** Refuses `id` new jobs until {@link reinstate} (`why` is given in placement refusals). */
  quarantine(id: string, why: string): void {
    this.#quarantined.set(id, why);
  }

  /** Lets `id` take jobs again. */
  reinstate(id: string): void {
    this.#quarantined.delete(id);
  }

  /**
   * Lets standby `rec.standbyId` take jobs in slot `rec.slot` (the caller checked the operators'
   * decisions; the parties check them again from the orders). @throws RangeError when it is not
   * a standby of that slot.
   */
  promote(rec: PromotionRecord): void {
    const t = this.#entries.get(rec.standbyId)?.trusted;
    if (!t?.standby || t.kind !== 'party' || t.index !== rec.slot) throw new RangeError(`standbyId: ${rec.standbyId} is not a registered standby for slot ${rec.slot}`);
    this.#promoted.set(rec.standbyId, rec);
  }

  /** The promotion of standby `id`, when it was promoted. */
  promotion(id: string): PromotionRecord | undefined {
    return this.#promoted.get(id);
  }

  /** Whether `id` is quarantined. */
  isQuarantined(id: string): boolean {
    return this.#quarantined.has(id);
  }

  /** All trusted services with their status. */
  list(): ServiceRecord[] {
    const now = this.#now();
    return [...this.#entries.values()].map((e) => ({
      id: e.trusted.id,
      kind: e.trusted.kind,
      ...(e.trusted.index !== undefined ? { index: e.trusted.index } : {}),
      ...(e.trusted.standby ? { standby: true, promoted: this.#promoted.has(e.trusted.id) } : {}),
      signingPublicKey: e.trusted.signingPublicKey,
      agreementPublicKey: e.trusted.agreementPublicKey,
      status: e.lastSeen === undefined ? 'unknown' : this.#isUp(e, now) ? 'up' : 'down',
      ...(e.lastSeen !== undefined ? { lastSeen: new Date(e.lastSeen).toISOString() } : {}),
    }));
  }

  /** The trusted record of `id`. */
  trusted(id: string): TrustedService | undefined {
    return this.#entries.get(id)?.trusted;
  }

  /** Capabilities `id` announced. */
  capabilities(id: string): string[] {
    return this.#entries.get(id)?.capabilities ?? [];
  }

  /**
   * For each party index 0..2, an up party with that index that runs `kind`, or the reason
   * there is none (naming the index).
   */
  /**
   * The parties `ids`, by seat, for a job whose plan names them (a probe): each must be a
   * trusted party (a standby too: a probe holds nothing secret), not quarantined, up and able to
   * run `kind`.
   */
  seated(ids: readonly [string, string, string], kind: string): { parties: [TrustedService, TrustedService, TrustedService] } | { missing: number; reason: string; quarantined?: string; residency?: true } {
    const now = this.#now();
    const out: TrustedService[] = [];
    for (const [seat, id] of ids.entries()) {
      const e = this.#entries.get(id);
      if (!e || e.trusted.kind !== 'party') return { missing: seat, reason: `seat ${seat}: ${id} is not a trusted party` };
      const q = this.#quarantined.get(id);
      if (q !== undefined) return { missing: seat, quarantined: id, reason: `seat ${seat}: ${id} is quarantined: ${q}` };
      if (!this.#isUp(e, now)) return { missing: seat, reason: `seat ${seat}: ${id} is down` };
      if (!e.capabilities.includes(kind)) return { missing: seat, reason: `seat ${seat}: ${id} does not run ${kind}` };
      out.push(e.trusted);
    }
    return { parties: out as [TrustedService, TrustedService, TrustedService] };
  }

  partiesFor(kind: string, residency?: Residency): { parties: [TrustedService, TrustedService, TrustedService] } | { missing: number; reason: string; quarantined?: string; residency?: true } {
    const now = this.#now();
    const out: TrustedService[] = [];
    // A standby takes part only once promoted.
    const ofIndex = (idx: number): Entry[] => [...this.#entries.values()].filter((e) => e.trusted.kind === 'party' && e.trusted.index === idx && (!e.trusted.standby || this.#promoted.has(e.trusted.id)));
    // A quarantine is named first: it lasts until operators lift it, a party being down may not.
    for (const idx of [0, 1, 2]) {
      const all = ofIndex(idx);
      if (all.length > 0 && all.every((e) => this.#quarantined.has(e.trusted.id))) {
        const q = all[0]!.trusted.id;
        return { missing: idx, quarantined: q, reason: `party ${idx} (${all.map((c) => c.trusted.id).join(', ')}) is quarantined: ${this.#quarantined.get(q)!}` };
      }
    }
    for (const idx of [0, 1, 2]) {
      const cands = ofIndex(idx).filter((e) => !this.#quarantined.has(e.trusted.id));
      const up = cands.filter((e) => this.#isUp(e, now));
      const able = up.filter((e) => e.capabilities.includes(kind));
      // Residency: only a party of the required region may hold the shares.
      if (residency && able.length > 0) {
        const inRegion = able.filter((e) => e.trusted.region === residency.region);
        if (inRegion.length === 0) {
          const where = able.map((e) => `${e.trusted.id} in ${e.trusted.region === undefined ? 'no configured region' : `region ${JSON.stringify(e.trusted.region)}`}`).join(', ');
          return { missing: idx, residency: true, reason: `${residency.what} must stay in region ${JSON.stringify(residency.region)}; party ${idx} (${where}) is not` };
        }
        out.push(inRegion[0]!.trusted);
        continue;
      }
      if (able.length === 0) {
        const reason = cands.length === 0 ? `no party with index ${idx} is registered` : up.length === 0 ? `party ${idx} (${cands.map((c) => c.trusted.id).join(', ')}) is down` : `party ${idx} does not run ${kind}`;
        return { missing: idx, reason };
      }
      out.push(able[0]!.trusted);
    }
    return { parties: out as [TrustedService, TrustedService, TrustedService] };
  }
}
