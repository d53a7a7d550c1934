/**
 * @module services/wire/job-error-codes
 * Job error codes that more than one process acts on (the party raises them in its failure
 * report, the gateway and the SDK branch on them).
 */

/**
 * A party could not open the client's sealed material (a box tampered on the way, sealed to
 * another key or for another job), or it opened to bytes that are not what the job declares.
 * The client's fault: the gateway answers a synchronous upload failing so with 400
 * `invalid-ciphertext` naming the party's box; an inference job fails with this code.
 */
export const SEALED_INPUT_REFUSED = 'invalid-sealed-input';

/**
 * A malicious-mode check failed at a party (protocols/rss VerificationFailedError): some party
 * deviated from the protocol, and no output share was released. The job ends
 * `failed-verification` with this code; the reporting party's accusation is in the audit log
 * (`verification.failed`, field `accused`).
 */
export const VERIFICATION_FAILED = 'verification-failed';

/**
 * The job could not be placed because the only party registered for an index is quarantined
 * (its reputation, computed from the audit log, proved misbehaviour or fell below the
 * threshold; docs/governance.md). The job fails at once, naming the party, instead of waiting.
 */
export const PARTY_QUARANTINED = 'party-quarantined';

/**
 * No registered trio satisfies the job's residency: a data set's hospital-signed manifest binds
 * its shares to one region, and some slot has no party configured in it (docs/governance.md,
 * "Residency"). Refused before a job exists (409 at the gateway), naming the constraint and the
 * slot; a job that became unplaceable later (a party left) fails with this code.
 */
export const RESIDENCY_UNPLACEABLE = 'residency-unplaceable';

/**
 * A party refused to store shares whose owner-signed statement (a data set's upload manifest, a
 * model's version statement) binds them to another region than the party's own (party config
 * `region`): the coordinator placed them there against the rule, or its configuration of the
 * parties' regions is wrong. Nothing is stored at any party (the upload vote); the gateway
 * answers 409 `residency-refused` naming the party.
 */
export const RESIDENCY_REFUSED = 'residency-refused';
