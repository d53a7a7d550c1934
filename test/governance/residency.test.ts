/**
 * Residency at placement (docs/governance.md, "Residency"): a hospital signs where its shares
 * may be kept (`residency` in the upload manifest); the dataset-upload plan reads it from the
 * signed manifest (not from anything the coordinator's caller could edit alongside), and the
 * registry places each slot only on a party configured in that region — skipping a party of
 * another region that is listed first — or refuses naming the constraint, the slot and the
 * regions it has. `checkPlaceable` turns that refusal into `residency-unplaceable` (409) before a
 * job exists.
 */
import { describe, expect, it } from 'vitest';
import { generateIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';
import { datasetUploadPlan } from '../../services/coordinator/analytics/analytics-job-plans.js';
import { ServiceRegistry, type TrustedService } from '../../services/coordinator/service-registry.js';
import { prepareDatasetUpload } from '../../services/sdk/dataset-upload-client.js';
import { ANNOUNCE_DOMAIN, signMessage, type AnnounceMessage } from '../../services/wire/job-messages.js';
import { problemCatalogue } from '../../services/gateway/problems.js';
import type { DatasetSchema } from '../../protocols/analytics/dataset-schema.js';

const schema: DatasetSchema = { columns: [{ name: 'age', type: 'numeric', min: 0, max: 120 }] };
const ids = [generateIdentity(), generateIdentity(), generateIdentity(), generateIdentity()];
const agreement = ids.slice(0, 3).map((k) => publicIdentity(k).agreementPublicKey) as [string, string, string];

/** Parties 0 and 1 in eu; slot 2 has a us party listed first and an eu one. */
const trusted: TrustedService[] = [
  { id: 'p0-eu', kind: 'party', index: 0, region: 'eu', ...publicIdentity(ids[0]!) },
  { id: 'p1-eu', kind: 'party', index: 1, region: 'eu', ...publicIdentity(ids[1]!) },
  { id: 'p2-us', kind: 'party', index: 2, region: 'us', ...publicIdentity(ids[2]!) },
  { id: 'p2-eu', kind: 'party', index: 2, region: 'eu', ...publicIdentity(ids[3]!) },
];

function registry(up: string[]): ServiceRegistry {
  const reg = new ServiceRegistry(trusted);
  for (const t of trusted.filter((x) => up.includes(x.id))) {
    const k = ids[trusted.indexOf(t)]!;
    const msg: AnnounceMessage = { id: t.id, kind: 'party', index: t.index!, signingPublicKey: t.signingPublicKey, agreementPublicKey: t.agreementPublicKey, at: Date.now(), capabilities: ['dataset-upload'] };
    expect(reg.handleAnnounce(signMessage(ANNOUNCE_DOMAIN, msg, k.signing))).toMatchObject({ accepted: true });
  }
  return reg;
}

describe('residency at placement', () => {
  it('the upload plan takes the residency from the hospital-signed manifest', () => {
    const eu = prepareDatasetUpload(schema, [{ age: 30 }], agreement, { name: 'ward', residency: 'eu' });
    expect(datasetUploadPlan.residency!({ name: 'ward', manifest: eu.request.manifest })).toEqual({ what: 'data set ward (signed manifest residency)', region: 'eu' });
    const free = prepareDatasetUpload(schema, [{ age: 30 }], agreement, { name: 'ward' });
    expect(datasetUploadPlan.residency!({ name: 'ward', manifest: free.request.manifest })).toBeUndefined();
    // A manifest whose signature does not verify states nothing (the parties refuse it anyway).
    const forged = { ...eu.request.manifest, signature: eu.request.manifest.signature.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
    expect(datasetUploadPlan.residency!({ name: 'ward', manifest: forged })).toBeUndefined();
  });

  it('places every slot in the region, skipping a party of another region listed first', () => {
    const reg = registry(['p0-eu', 'p1-eu', 'p2-us', 'p2-eu']);
    const free = reg.partiesFor('dataset-upload');
    expect('parties' in free && free.parties.map((p) => p.id)).toEqual(['p0-eu', 'p1-eu', 'p2-us']);
    const placed = reg.partiesFor('dataset-upload', { what: 'data set ward', region: 'eu' });
    expect('parties' in placed && placed.parties.map((p) => p.id)).toEqual(['p0-eu', 'p1-eu', 'p2-eu']);
  });

  it('refuses naming the constraint, the slot and the regions it has when no party of the region is up', () => {
    const reg = registry(['p0-eu', 'p1-eu', 'p2-us']);
    expect(reg.partiesFor('dataset-upload', { what: 'data set ward', region: 'eu' })).toEqual({
      missing: 2,
      residency: true,
      reason: 'data set ward must stay in region "eu"; party 2 (p2-us in region "us") is not',
    });
    // A region nobody is in: slot 0 is named first.
    expect(reg.partiesFor('dataset-upload', { what: 'data set ward', region: 'ch' })).toMatchObject({ missing: 0, residency: true });
    expect(problemCatalogue['residency-unplaceable']).toMatchObject({ status: 409 });
  });
});
