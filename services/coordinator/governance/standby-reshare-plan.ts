/**
 * @module services/coordinator/governance/standby-reshare-plan
 * The coordinator's plan of `reshare-standby` (services/party/runners/standby-reshare-runner):
 * the three parties get the same payload; the job's result is the parties' common report, and
 * a job whose parties disagree on the item or its layout fails (`bad-result`). No output
 * shares, so no commitments to check.
 */
import { ApiFailure } from '../errors.js';
import type { JobPlan } from '../jobs/job-plans.js';
import type { StandbyResharePayload, StandbyReshareResult } from '../../wire/standby-reshare.js';

function invalid(message: string): never {
  throw new ApiFailure('invalid-request', 400, message);
}

/** Plan of `reshare-standby`. */
export const standbyResharePlan: JobPlan = {
  kind: 'reshare-standby',
  partyKind: 'reshare-standby',
  outputCommitments: false,
  validate(payload) {
    const p = payload as StandbyResharePayload;
    if (typeof p !== 'object' || p === null) invalid('payload: expected an object');
    if (typeof p.standbyId !== 'string') invalid('payload.standbyId: expected a service id');
    if (p.slot !== 0 && p.slot !== 1 && p.slot !== 2) invalid('payload.slot: expected 0, 1 or 2');
    if (p.discard !== true && (typeof p.item !== 'object' || p.item === null || (p.item.kind !== 'dataset' && p.item.kind !== 'model') || typeof p.item.id !== 'string')) invalid('payload.item: expected { kind: dataset | model, id }');
  },
  partyPayload(payload) {
    return payload;
  },
  combine(payload, results) {
    const p = payload as StandbyResharePayload;
    const r = results as StandbyReshareResult[];
    if (p.discard) return { objects: 0, discarded: r.reduce((s, x) => s + (x?.discarded ?? 0), 0) } satisfies StandbyReshareResult;
    for (const [i, x] of r.entries()) {
      if (x?.item?.kind !== p.item!.kind || x.item.id !== p.item!.id) throw new Error(`party ${i} reports another item than ${p.item!.kind} ${p.item!.id}`);
      if (typeof x.layout !== 'string' || x.layout !== r[0]!.layout) throw new Error(`party ${i} reshared another layout of ${p.item!.kind} ${p.item!.id} than party 0`);
    }
    return r[0];
  },
};
