#!/usr/bin/env node
// Summarises an MPC_TRACE_FILE (services/transport/trace-point.ts): for every job that the client
// saw end (K.done), the time of each trace point from the client's submit (K.submit), and prints
// the median per point, party points labelled by process (jobs submitted concurrently are skipped). Usage: node scripts/trace-timeline.mjs FILE
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/trace-timeline.mjs TRACE_FILE');
  process.exit(2);
}
const events = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const jobs = new Map();
let pending = [];
for (const e of events) {
  // The client's submit and the coordinator's receipt come before the job has an id.
  if (!e.job) {
    pending.push(e);
    continue;
  }
  if (!jobs.has(e.job)) {
    // Only a job submitted alone owns the points before it (concurrent submits interleave).
    jobs.set(e.job, pending.filter((x) => x.e === 'K.submit').length === 1 ? pending : []);
    pending = [];
  }
  jobs.get(e.job).push(e);
}
const times = new Map();
for (const es of jobs.values()) {
  if (!es.some((x) => x.e === 'K.done') || es[0].e !== 'K.submit') continue;
  const t0 = es[0].t;
  const pids = [...new Set(es.filter((x) => x.e.startsWith('P.')).map((x) => x.pid))].sort((a, b) => a - b);
  for (const x of es) {
    const label = x.e.startsWith('P.') ? `${x.e}@${pids.indexOf(x.pid)}` : x.e;
    if (!times.has(label)) times.set(label, []);
    times.get(label).push(x.t - t0);
  }
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
for (const [label, v] of [...times].sort((a, b) => median(a[1]) - median(b[1]))) {
  console.log(`${label.padEnd(24)} ${median(v).toFixed(2).padStart(9)} ms  (n=${v.length})`);
}
