/**
 * @module services/party/runners/standby-reshare-runner
 * The `reshare-standby` job: after operators promoted a standby into slot j (docs/governance.md),
 * the two remaining parties reshare one stored data set or model to it with
 * protocols/rss/standby-reshare (fresh randomness of this job's channel, whose PRF seeds with
 * the standby are new), one item per job:
 *
 * 1. each remaining party gathers its shares of every vector of the item (services/party/
 *    stored-sharings) from the store as it was before this resharing (an earlier attempt's kept
 *    copies first), and sends the standby the public layout (manifest, model structure, lengths);
 * 2. the standby checks that both layouts are the same bytes;
 * 3. the three run `reshareToStandby` over the whole vector at once;
 * 4. the remaining parties keep a copy of each object's old bytes (`reshare-<standby>.<object>`)
 *    before they overwrite it with the new sharing, and the standby writes the objects.
 *
 * A failed or repeated attempt therefore always starts again from the old sharing, whichever
 * party wrote what before it failed. The kept copies are erased by the final job of the resharing
 * (`discard: true`), which the coordinator sends once every item is done: from then on the old
 * party j's shares and the new ones belong to different sharings.
 *
 * The result names the item, the SHA-256 of its layout (the coordinator checks that the three
 * agree) and the number of objects written.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../crypto-core/canonical-json.js';
import { nextParty, prevParty } from '../../../protocols/channel/channel.js';
import { reshareToStandby } from '../../../protocols/rss/standby-reshare.js';
import { JobPayloadError } from '../errors.js';
import type { JobRunContext, JobRunner, JobRunOutcome } from '../job-runner.js';
import type { ModelViewCache } from '../model-view-cache.js';
import { checkItem, checkLayout, gatherSharings, isPreReshareCopy, layoutLength, layoutObjectIds, layoutObjects, preReshareId, storeBeforeReshare } from '../stored-sharings.js';
import type { StandbyResharePayload, StandbyReshareResult } from '../../wire/standby-reshare.js';

const LAYOUT_TAG = 'reshare-standby/layout';

function checkPayload(v: unknown): StandbyResharePayload {
  const p = v as StandbyResharePayload | null;
  if (typeof p !== 'object' || p === null) throw new JobPayloadError('payload: expected an object');
  if (typeof p.standbyId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(p.standbyId)) throw new JobPayloadError('payload.standbyId: expected a service id');
  if (p.slot !== 0 && p.slot !== 1 && p.slot !== 2) throw new JobPayloadError(`payload.slot: expected 0, 1 or 2, got ${JSON.stringify(p.slot)}`);
  if (p.discard === true) return { standbyId: p.standbyId, slot: p.slot, discard: true };
  try {
    return { standbyId: p.standbyId, slot: p.slot, item: checkItem(p.item, 'payload.item') };
  } catch (e) {
    throw new JobPayloadError((e as Error).message);
  }
}

/** The `reshare-standby` runner. */
export class StandbyReshareRunner implements JobRunner {
  readonly kind = 'reshare-standby';

  /** @param models the decoded model views the inference runner uses: a reshared model's view is dropped. */
  constructor(private readonly models?: ModelViewCache) {}

  async run(ctx: JobRunContext): Promise<JobRunOutcome> {
    const p = checkPayload(ctx.order.payload);
    const self = ctx.protocol.self;
    const lost = p.slot;
    // The order must put the standby in the slot it took (the job gate checked its promotion).
    if (ctx.order.parties[lost].id !== p.standbyId) throw new JobPayloadError(`payload.standbyId: slot ${lost} of this job is ${ctx.order.parties[lost].id}, not ${p.standbyId}`);
    if (p.discard) {
      let discarded = 0;
      if (self !== lost) {
        for (const id of await ctx.shares.list()) {
          if (!isPreReshareCopy(p.standbyId, id)) continue;
          await ctx.shares.delete(id);
          discarded++;
        }
      }
      ctx.log.info('reshare-discarded', { standbyId: p.standbyId, discarded });
      return { result: { objects: 0, discarded } satisfies StandbyReshareResult };
    }
    const item = p.item!;
    const scope = ctx.protocol.scope('reshare-standby');
    let layoutJson: string;
    let objects: Map<string, Uint8Array>;
    if (self !== lost) {
      const { layout, share } = await gatherSharings(storeBeforeReshare(ctx.shares, p.standbyId), item);
      layoutJson = canonicalJson(layout);
      await ctx.protocol.channel.send(lost, LAYOUT_TAG, new TextEncoder().encode(layoutJson));
      const fresh = await reshareToStandby(scope, lost, share, layoutLength(layout));
      objects = layoutObjects(layout, fresh);
      // Keep the old bytes once (a repeated attempt keeps the first copy: the old sharing).
      for (const id of layoutObjectIds(layout)) {
        const kept = preReshareId(p.standbyId, id);
        if ((await ctx.shares.get(kept)) !== undefined) continue;
        const old = await ctx.shares.get(id);
        if (old) await ctx.shares.put(kept, old);
      }
    } else {
      const [one, two] = await Promise.all([ctx.protocol.channel.recv(nextParty(lost), LAYOUT_TAG), ctx.protocol.channel.recv(prevParty(lost), LAYOUT_TAG)]);
      const dec = new TextDecoder('utf-8', { fatal: true });
      layoutJson = dec.decode(one);
      if (layoutJson !== dec.decode(two)) throw new JobPayloadError(`${item.kind} ${item.id}: the two remaining parties sent different layouts (they do not hold the same item)`);
      let layout;
      try {
        layout = checkLayout(JSON.parse(layoutJson), item);
      } catch (e) {
        throw new JobPayloadError(`${item.kind} ${item.id}: ${(e as Error).message}`);
      }
      const fresh = await reshareToStandby(scope, lost, undefined, layoutLength(layout));
      objects = layoutObjects(layout, fresh);
    }
    // Share objects first, the manifest last (a crash in between leaves the old manifest).
    const order = [...objects.keys()].sort((a, b) => Number(a.endsWith('.manifest')) - Number(b.endsWith('.manifest')));
    for (const id of order) await ctx.shares.put(id, objects.get(id)!);
    if (item.kind === 'model') this.models?.delete(item.id);
    ctx.log.info('reshared', { standbyId: p.standbyId, item: `${item.kind}:${item.id}`, objects: objects.size });
    const result: StandbyReshareResult = { item, layout: createHash('sha256').update(layoutJson).digest('hex'), objects: objects.size };
    return { result };
  }
}
