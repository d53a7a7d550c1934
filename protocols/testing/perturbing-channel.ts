/**
 * @module protocols/testing/perturbing-channel
 * The cheating party of the malicious-mode tests: a {@link Channel} wrapper that alters chosen
 * outgoing messages of one party (issue 13's harness). A perturbation names the message kind
 * by a pattern on the step tag (`mul`, `trunc-mal/…/and`, `open`, `verify#…/triples`, …), which
 * matching message to alter (the k-th, 0-based), and how: add `delta` to one 64-bit word, or
 * flip one byte (for digest and verdict messages). It never alters anything else, so a test
 * knows exactly what the cheater did. Only tests and benches construct it; no configuration of
 * a service reaches it.
 */
import type { Channel, PartyIndex } from '../channel/channel.js';
import { ForwardingChannel } from '../channel/forwarding-channel.js';

/** What to alter. */
export interface Perturbation {
  /** Matched against the message tag. */
  readonly tag: RegExp;
  /** Alter only messages to this peer (default: either). */
  readonly to?: PartyIndex;
  /** Which matching message (0-based, in send order; default 0). */
  readonly occurrence?: number;
  /** Word (or byte, for messages under 8 bytes or with `flipByte`) index in the payload (default 0; taken modulo the length). */
  readonly index?: number;
  /** Added to the chosen 64-bit little-endian word (default 1000). */
  readonly delta?: bigint;
  /** Flip the bits of one byte instead of adding to a word. */
  readonly flipByte?: boolean;
}

/** What the wrapper did, for the test's assertions. */
export interface PerturbationLog {
  /** Tags of the altered messages (at most one per perturbation). */
  readonly altered: string[];
}

function alter(payload: Uint8Array, p: Perturbation): Uint8Array {
  const out = payload.slice();
  if (p.flipByte === true || out.length < 8) {
    if (out.length === 0) return out;
    const i = (p.index ?? 0) % out.length;
    out[i] = out[i]! ^ 0xff;
    return out;
  }
  const words = Math.floor(out.length / 8);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const off = ((p.index ?? 0) % words) * 8;
  view.setBigUint64(off, BigInt.asUintN(64, view.getBigUint64(off, true) + (p.delta ?? 1000n)), true);
  return out;
}

/** The wrapper around one party's channel. */
export class PerturbingChannel extends ForwardingChannel {
  readonly #rules: readonly Perturbation[];
  readonly #seen: number[];
  readonly log: PerturbationLog = { altered: [] };

  constructor(inner: Channel, rules: readonly Perturbation[]) {
    super(inner);
    this.#rules = rules;
    this.#seen = rules.map(() => 0);
  }

  override send(to: PartyIndex, tag: string, payload: Uint8Array): Promise<void> {
    let out = payload;
    this.#rules.forEach((rule, r) => {
      if (!rule.tag.test(tag) || (rule.to !== undefined && rule.to !== to)) return;
      if (this.#seen[r]++ !== (rule.occurrence ?? 0)) return;
      out = alter(out, rule);
      this.log.altered.push(tag);
    });
    return this.inner.send(to, tag, out);
  }
}
