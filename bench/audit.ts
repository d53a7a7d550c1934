/**
 * @module bench/audit
 * Audit log benchmark (`mpc bench audit [--quick] [--json]`):
 * - durable appends per second to JetStream (file storage, a nats-server this suite starts in a
 *   temp dir and stops), batched, against one-at-a-time appends measured in the same run;
 * - inclusion and consistency proof generation and verification in a tree of 1e6 entries
 *   (median per proof);
 * - full offline verification (`verifyExport`) of a 1e6-entry export;
 * - rebuilding the log from the stream, as a restarted coordinator does;
 * - party reputation (services/audit/reputation) recomputed over a 1e6-entry log of jobs over
 *   nine parties with accusations and disappearances, from entries in memory (what the
 *   coordinator does) and from the export's JSON Lines (what `mpc audit reputation` does).
 * `--quick` scales the tree and the export to 1e4 entries and the append runs down.
 * Published scale for comparison: Trillian on MySQL appends 400-1000 entries/s, Tessera ~10,000/s.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'nats';
import type { BenchSuite } from './bench-case.js';
import { median, timeMedian } from './bench-case.js';
import { signCheckpoint } from '../crypto-core/checkpoint/index.js';
import { generateSigningKeyPair } from '../crypto-core/keys/signing.js';
import { MerkleTree } from '../crypto-core/merkle/merkle-tree.js';
import { verifyConsistency, verifyInclusion } from '../crypto-core/merkle/proof-verify.js';
import { AuditLog } from '../services/audit/audit-log.js';
import { encodeAuditEntry, type AuditEntry, type AuditEvent } from '../services/wire/audit-entry.js';
import { verifyExport } from '../services/audit/verify-export.js';
import { computeReputation, entriesOfJsonl } from '../services/audit/reputation.js';
import { NatsServerProcess } from '../services/cluster/nats-server-process.js';
import { governanceLog } from './governance.js';

const SUITE = 'audit';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function event(i: number): AuditEvent {
  return { type: 'job.finished', actor: 'coordinator', jobId: `job-${i}`, tenant: 'hospital-a', hashes: { output: sha(`out-${i}`) } };
}

function entry(i: number, t0: number): AuditEntry {
  return { ...event(i), v: 1, seq: i, time: new Date(t0 + i).toISOString() };
}

async function appendRun(log: AuditLog, n: number, offset: number): Promise<number> {
  const t = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => log.append(event(offset + i))));
  return performance.now() - t;
}

export const suite: BenchSuite = {
  name: SUITE,
  description: 'Merkle audit log: durable JetStream appends, RFC 9162 proofs at 1e6 entries, offline export verification',
  async run(opts) {
    const key = generateSigningKeyPair();
    const signer = { origin: 'bench.local/audit', secretKey: key.secretKey };

    // Durable appends.
    const server = await NatsServerProcess.start({ jetstream: true });
    try {
      const nc = await connect({ servers: server.url });
      try {
        const log = await AuditLog.open(nc.jetstream(), { signer, batchSize: 1024 });
        const single = opts.quick ? 300 : 2000;
        const t1 = performance.now();
        for (let i = 0; i < single; i++) await log.append(event(i));
        const singleMs = (performance.now() - t1) / single;
        opts.emit({ suite: SUITE, case: 'append durable', impl: 'one-at-a-time', median_ms: singleMs, ops_per_s: 1000 / singleMs, baseline: null, ratio: null, entries: single });
        const batchN = opts.quick ? 10_000 : 100_000;
        const reps = opts.quick ? 1 : 3;
        const perEntry: number[] = [];
        let off = single;
        for (let r = 0; r < reps; r++) {
          perEntry.push((await appendRun(log, batchN, off)) / batchN);
          off += batchN;
        }
        const ms = median(perEntry);
        opts.emit({ suite: SUITE, case: 'append durable', impl: 'batched', median_ms: ms, ops_per_s: 1000 / ms, baseline: 'one-at-a-time', ratio: singleMs / ms, entries: batchN, runs: reps, storage: 'jetstream file R1' });
        const tc = await timeMedian(() => log.checkpoint(), opts.quick ? 3 : 10);
        opts.emit({ suite: SUITE, case: `checkpoint sign+store @${log.size}`, impl: 'ed25519', median_ms: tc, ops_per_s: 1000 / tc, baseline: null, ratio: null });
        // A restarted coordinator: read the whole stream, validate every entry, rebuild the tree.
        const tr = performance.now();
        const reopened = await AuditLog.open(nc.jetstream(), { signer });
        const reopenMs = performance.now() - tr;
        if (reopened.size !== log.size) throw new Error(`rebuild found ${reopened.size} entries, expected ${log.size}`);
        opts.emit({ suite: SUITE, case: `rebuild from stream @${log.size}`, impl: 'ordered consumer', median_ms: reopenMs, ops_per_s: log.size / (reopenMs / 1000), baseline: null, ratio: null, runs: 1 });
      } finally {
        await nc.close();
      }
    } finally {
      await server.stop();
    }

    // Proofs in a big tree.
    const n = opts.quick ? 10_000 : 1_000_000;
    const tree = new MerkleTree();
    const tb = performance.now();
    const buf = randomBytes(64);
    for (let i = 0; i < n; i++) {
      buf.writeUInt32BE(i, 0);
      tree.appendEntry(buf);
    }
    const buildMs = performance.now() - tb;
    opts.emit({ suite: SUITE, case: `tree build ${n}`, impl: 'ts', median_ms: buildMs, ops_per_s: n / (buildMs / 1000), baseline: null, ratio: null });
    const root = tree.root();
    const k = 200;
    const idx = Array.from({ length: k }, () => Math.floor(Math.random() * n));
    const sizes = idx.map((i) => Math.max(1, i));
    const incl = idx.map((i) => tree.inclusionProof(i));
    const leaves = idx.map((i) => tree.leafHash(i));
    const cons = sizes.map((s) => tree.consistencyProof(s));
    const roots1 = sizes.map((s) => tree.root(s));
    const per = async (fn: () => void): Promise<number> => (await timeMedian(fn, opts.quick ? 5 : 15)) / k;
    const cases: [string, () => void][] = [
      ['inclusion proof generate', () => idx.forEach((i) => tree.inclusionProof(i))],
      ['inclusion proof verify', () => idx.forEach((i, j) => { if (!verifyInclusion(i, n, leaves[j]!, incl[j]!, root)) throw new Error('inclusion proof failed'); })],
      ['consistency proof generate', () => sizes.forEach((s) => tree.consistencyProof(s))],
      ['consistency proof verify', () => sizes.forEach((s, j) => { if (!verifyConsistency(s, n, cons[j]!, roots1[j]!, root)) throw new Error('consistency proof failed'); })],
    ];
    for (const [name, fn] of cases) {
      const ms = await per(fn);
      opts.emit({ suite: SUITE, case: `${name} @${n}`, impl: 'ts', median_ms: ms, ops_per_s: 1000 / ms, baseline: null, ratio: null, proof_len: incl[0]!.length });
    }

    // Offline verification of an export of n entries.
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const enc = new TextDecoder();
    const parts: string[] = new Array(n);
    const exportTree = new MerkleTree();
    for (let i = 0; i < n; i++) {
      const b = encodeAuditEntry(entry(i, t0));
      exportTree.appendEntry(b);
      parts[i] = enc.decode(b);
    }
    const entries = new TextEncoder().encode(parts.join('\n') + '\n');
    const checkpoint = signCheckpoint({ origin: signer.origin, size: n, rootHash: exportTree.root(), time: new Date() }, { name: signer.origin, secretKey: key.secretKey });
    const tv = performance.now();
    const verdict = verifyExport({ entries, checkpoint, key: key.publicKey });
    const vMs = performance.now() - tv;
    if (!verdict.ok) throw new Error(`bench export did not verify: ${verdict.summary}`);
    opts.emit({ suite: SUITE, case: `verify export ${n}`, impl: 'ts', median_ms: vMs, ops_per_s: n / (vMs / 1000), baseline: null, ratio: null, bytes: entries.length, runs: 1 });

    // Reputation over a log of jobs (the governance suite's generator): trios over nine parties,
    // an incident every 50 jobs, a coordinator-observed disappearance every 37.
    const jobLog = governanceLog(n, t0);
    const rMs = await timeMedian(() => void computeReputation(jobLog), opts.quick ? 5 : 3);
    opts.emit({ suite: SUITE, case: `reputation ${n}`, impl: 'ts', median_ms: rMs, ops_per_s: n / (rMs / 1000), baseline: null, ratio: null, parties: computeReputation(jobLog).parties.length });
    const jsonl = new TextEncoder().encode(jobLog.map((e) => enc.decode(encodeAuditEntry(e))).join('\n') + '\n');
    const tr = performance.now();
    computeReputation(entriesOfJsonl(jsonl));
    const erMs = performance.now() - tr;
    opts.emit({ suite: SUITE, case: `reputation from export ${n}`, impl: 'ts', median_ms: erMs, ops_per_s: n / (erMs / 1000), baseline: null, ratio: null, bytes: jsonl.length, runs: 1 });
  },
};
