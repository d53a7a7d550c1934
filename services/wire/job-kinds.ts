/**
 * @module services/wire/job-kinds
 * Every job kind of the system, declared once. A kind's payload and result types are the
 * entries of `JobPayloads` / `JobResults` in api.ts (compile-checked against this table); its
 * coordinator plan and its runner (party runner or HE worker request) are registered by kind in
 * the composition roots, whose tables are typed by the lists derived here. Adding a kind:
 * docs/architecture.md ("Adding a job kind").
 *
 * This module imports nothing, so every other wire module may import it.
 */

/** Where a kind runs and which coordinator method creates it. */
export interface JobKindSpec {
  /** Who evaluates it: the three parties (secret-shared) or two HE workers (CKKS, dual execution). */
  readonly runsOn: 'parties' | 'he-workers';
  /**
   * The coordinator method that creates jobs of this kind: `jobs.submit` for kinds a client
   * submits directly; for the others, the method that checks policy before placing the job.
   */
  readonly createdBy: 'jobs.submit' | 'models.publish' | 'datasets.upload' | 'datasets.delete' | 'analytics.query' | 'parties.reshare' | 'parties.probe';
  /** One line, for docs and errors. */
  readonly summary: string;
}

/** The job kinds. */
export const JOB_KINDS = {
  'mpc-inference': { runsOn: 'parties', createdBy: 'jobs.submit', summary: 'inference of a secret-shared model on secret-shared inputs' },
  'he-inference': { runsOn: 'he-workers', createdBy: 'jobs.submit', summary: 'inference of an HE model on a CKKS ciphertext' },
  'mpc-compute': { runsOn: 'parties', createdBy: 'jobs.submit', summary: 'one product of two secret-shared operands mod 2^64 (tests, benchmarks, drills)' },
  'model-publish': { runsOn: 'parties', createdBy: 'models.publish', summary: "storing each party's share package of an MPC model" },
  'dataset-upload': { runsOn: 'parties', createdBy: 'datasets.upload', summary: "storing each party's share pair of a hospital's table" },
  'dataset-delete': { runsOn: 'parties', createdBy: 'datasets.delete', summary: 'erasing a data set at every party' },
  'analytics-query': { runsOn: 'parties', createdBy: 'analytics.query', summary: 'a secure query over secret-shared data sets' },
  'reshare-standby': { runsOn: 'parties', createdBy: 'parties.reshare', summary: 'resharing one stored data set or model to a promoted standby' },
  'mpc-probe': { runsOn: 'parties', createdBy: 'parties.probe', summary: 'a malicious-mode product on public operands, run with a standby in one seat after an incident' },
} as const satisfies Record<string, JobKindSpec>;

type Kinds = typeof JOB_KINDS;

/** Any job kind. */
export type JobKind = keyof Kinds;
/** Kinds the three parties run (each party runs those it has a runner for). */
export type PartyJobKind = { [K in JobKind]: Kinds[K]['runsOn'] extends 'parties' ? K : never }[JobKind];
/** Kinds a client submits with `jobs.submit`. */
export type SubmittedJobKind = { [K in JobKind]: Kinds[K]['createdBy'] extends 'jobs.submit' ? K : never }[JobKind];
/** Kinds created by the analytics methods (data sets and queries). */
export type AnalyticsJobKind = { [K in JobKind]: Kinds[K]['createdBy'] extends AnalyticsMethod ? K : never }[JobKind];

type AnalyticsMethod = 'datasets.upload' | 'datasets.delete' | 'analytics.query';
const ANALYTICS_METHODS: readonly string[] = ['datasets.upload', 'datasets.delete', 'analytics.query'] satisfies AnalyticsMethod[];

/** Every kind, in declaration order. */
export const JOB_KIND_NAMES = Object.keys(JOB_KINDS) as JobKind[];
/** The kinds the parties run. */
export const PARTY_JOB_KINDS = JOB_KIND_NAMES.filter((k): k is PartyJobKind => JOB_KINDS[k].runsOn === 'parties');
/** The kinds a client submits with `jobs.submit`. */
export const SUBMITTED_JOB_KINDS = JOB_KIND_NAMES.filter((k): k is SubmittedJobKind => JOB_KINDS[k].createdBy === 'jobs.submit');
/** The analytics kinds. */
export const ANALYTICS_JOB_KINDS = JOB_KIND_NAMES.filter((k): k is AnalyticsJobKind => ANALYTICS_METHODS.includes(JOB_KINDS[k].createdBy));

/** Whether `name` is a job kind. */
export function isJobKind(name: unknown): name is JobKind {
  return typeof name === 'string' && Object.hasOwn(JOB_KINDS, name);
}
