/**
 * A split-view coordinator against the parties as witnesses (C2SP tlog-witness add-checkpoint,
 * C2SP tlog-cosignature v1), over a real nats-server: the honest log and two forged histories
 * are real AuditLogs in JetStream, signed by the same coordinator key; the witnesses answer on
 * their NATS subjects with their durable state files, and the coordinator side is the real
 * CheckpointCosigner.
 *
 * The attacks, each first shown to succeed where nothing checks:
 * 1. two different checkpoints of the same size: without a policy `mpc audit verify` accepts the
 *    forged export (it is self-consistent); the witnesses answer 409 and the 2-of-3 policy
 *    rejects it, also with the honest checkpoint's cosignatures pasted on;
 * 2. a checkpoint that rewrites history (a larger tree that does not extend the cosigned one):
 *    the witnesses answer 422, the policy rejects it;
 * 3. a witness that forgot its state (deleted file) would cosign the fork: one such witness is
 *    not a quorum of two; a restarted witness reads its state and still refuses.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeVerifierKey, signCheckpoint } from '../../crypto-core/checkpoint/index.js';
import { emptyRoot } from '../../crypto-core/merkle/hashing.js';
import { generateSigningKeyPair, type SigningKeyPair } from '../../crypto-core/keys/signing.js';
import { AuditLog } from '../../services/audit/audit-log.js';
import { writeAuditExport, readAuditExport } from '../../services/audit/export-files.js';
import { verifyExport } from '../../services/audit/verify-export.js';
import { verifyEntryInCheckpoint } from '../../services/audit/verify-proof.js';
import { formatWitnessPolicy, parseWitnessPolicy, WitnessPolicyError } from '../../services/audit/witness-policy.js';
import { run as verifyRun } from '../../services/cli/commands/audit-verify.js';
import { CheckpointCosigner, natsWitnessTransport } from '../../services/coordinator/audit/checkpoint-cosigning.js';
import { CheckpointWitness, WitnessStateError } from '../../services/party/checkpoint-witness.js';
import { subjects } from '../../services/wire/api.js';
import type { AddCheckpointReply } from '../../services/wire/tlog-witness.js';
import { useNatsServer } from '../helpers/nats-server.js';

const server = useNatsServer({ jetstream: true });
const coordinator = generateSigningKeyPair();
const signer = { origin: 'coordinator', secretKey: coordinator.secretKey };
const logVerifier = { name: 'coordinator', publicKey: coordinator.publicKey };
const names = ['party-0', 'party-1', 'party-2'] as const;
const keys: SigningKeyPair[] = names.map(() => generateSigningKeyPair());
const witnessKeys = names.map((name, i) => ({ name, publicKey: keys[i]!.publicKey }));

let dir: string;
let nc: NatsConnection;
const subs: Subscription[] = [];
const witnesses: CheckpointWitness[] = [];
/** Every reply a witness sent, by witness, for the assertions on statuses. */
const replies = new Map<string, AddCheckpointReply[]>();

function startWitness(i: number): CheckpointWitness {
  return new CheckpointWitness({ key: { name: names[i]!, secretKey: keys[i]!.secretKey }, log: logVerifier, stateFile: join(dir, names[i]!, 'witness-state.json') });
}

/** Serves witness i on its subject, as the party service does. */
function serve(i: number): void {
  subs[i]?.unsubscribe();
  subs[i] = nc.subscribe(subjects.witness(names[i]!), {
    callback: (_e, m) => {
      const r = witnesses[i]!.addCheckpoint((JSON.parse(new TextDecoder().decode(m.data)) as { addCheckpoint: string }).addCheckpoint);
      replies.get(names[i]!)!.push(r);
      m.respond(new TextEncoder().encode(JSON.stringify(r)));
    },
  });
}

/** A log in its own streams (one history), signed by the coordinator key. */
async function history(name: string): Promise<AuditLog> {
  return await AuditLog.open(nc.jetstream(), { signer, stream: `H_${name}`, subject: `h.${name}.entries`, checkpointStream: `H_${name}_CP`, checkpointSubject: `h.${name}.checkpoints` });
}

async function appendJobs(log: AuditLog, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await log.append({ type: 'job.created', actor: 'api-key-1', jobId: `${prefix}-${i}` });
}

function cosigner(log: AuditLog): CheckpointCosigner {
  return new CheckpointCosigner({ log, witnesses: witnessKeys, transport: natsWitnessTransport(nc, 10_000) });
}

function statuses(): Record<string, number | undefined> {
  return Object.fromEntries(names.map((n) => [n, replies.get(n)!.at(-1)?.status]));
}

async function exportOf(log: AuditLog, name: string): Promise<string> {
  const d = join(dir, `export-${name}`);
  await writeAuditExport(log, d);
  return d;
}

const policyText = (): string => formatWitnessPolicy({ witnesses: witnessKeys, quorum: 2 }, encodeVerifierKey(logVerifier));

async function verifyCli(exportDir: string, ...extra: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await verifyRun([exportDir, ...extra], { out: (t) => (out += t), err: (t) => (out += t) });
  return { code, out };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'witness-split-'));
  nc = await connect({ servers: server().url });
  for (let i = 0; i < 3; i++) {
    replies.set(names[i]!, []);
    witnesses[i] = startWitness(i);
    serve(i);
  }
  writeFileSync(join(dir, 'policy'), policyText());
});
afterAll(async () => {
  await nc?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('witnessed checkpoints against a split-view coordinator', () => {
  let honest: AuditLog;
  let honestNote: string;

  it('the honest history is cosigned by all three witnesses and verifies under the 2-of-3 policy', async () => {
    honest = await history('honest');
    await appendJobs(honest, 'job', 5);
    honestNote = await cosigner(honest).cosign(await honest.checkpoint());
    expect(statuses()).toEqual({ 'party-0': 200, 'party-1': 200, 'party-2': 200 });
    expect(honestNote.split('\n').filter((l) => l.startsWith('\u2014 party-'))).toHaveLength(3);
    expect(await honest.latestCheckpoint()).toBe(honestNote);
    const d = await exportOf(honest, 'honest');
    expect(readAuditExport(d).checkpoint).toBe(honestNote);
    const v = await verifyCli(d, '--policy', join(dir, 'policy'));
    expect(v.out).toMatch(/^ok: 5 entries.*cosigned by 3 of 3 witnesses \(party-0, party-1, party-2; policy quorum 2\)/);
    expect(v.code).toBe(0);
    // State is durable and private.
    for (const n of names) {
      const st = statSync(join(dir, n, 'witness-state.json'));
      expect(st.mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(join(dir, n, 'witness-state.json'), 'utf8'))).toMatchObject({ origin: 'coordinator', size: 5 });
    }
  });

  it('attack 1: a second tree of the same size passes verification without witnesses, and is refused (409) and rejected with them', async () => {
    const forged = await history('forged-same-size');
    await appendJobs(forged, 'other', 5);
    const forgedNote = await forged.checkpoint();
    const d = await exportOf(forged, 'forged-same-size');
    // Without witnesses the split view works: the forged export is self-consistent and signed.
    const naive = await verifyCli(d, '--key', Buffer.from(coordinator.publicKey).toString('hex'));
    expect(naive.code).toBe(0);

    // A coordinator that restarted (knows no witness sizes) asks with old 0, learns 5, asks again: 409 at equal size.
    const out = await cosigner(forged).cosign(forgedNote);
    expect(statuses()).toEqual({ 'party-0': 409, 'party-1': 409, 'party-2': 409 });
    expect(replies.get('party-0')!.at(-1)).toEqual({ status: 409, body: '5\n', contentType: 'text/x.tlog.size' });
    expect(out).toBe(forgedNote);
    const rejected = await verifyCli(d, '--policy', join(dir, 'policy'), '--json');
    expect(rejected.code).toBe(1);
    expect(JSON.parse(rejected.out)).toMatchObject({ ok: false, code: 'witness-quorum' });
    expect(JSON.parse(rejected.out).reason).toMatch(/cosigned by 0 of the 3 trusted witnesses, the policy needs 2/);

    // A client's inclusion proof against the forged checkpoint: fine without witnesses, refused with the policy.
    const proof = forged.inclusionProof(2);
    expect(verifyEntryInCheckpoint(forged.entryBytes(2), 2, proof.proof, forgedNote, logVerifier)).toEqual({ ok: true, treeSize: 5 });
    expect(verifyEntryInCheckpoint(forged.entryBytes(2), 2, proof.proof, forgedNote, logVerifier, { policy: parseWitnessPolicy(policyText()) })).toMatchObject({ ok: false, reason: expect.stringMatching(/cosigned by 0 of the 3 trusted witnesses/) });
    expect(verifyEntryInCheckpoint(honest.entryBytes(2), 2, honest.inclusionProof(2).proof, honestNote, logVerifier, { policy: parseWitnessPolicy(policyText()) })).toEqual({ ok: true, treeSize: 5 });

    // Pasting the honest checkpoint's cosignatures onto the forged one does not help.
    const pasted = forgedNote + honestNote.split('\n').filter((l) => l.startsWith('\u2014 party-')).map((l) => l + '\n').join('');
    writeFileSync(join(d, 'checkpoint'), pasted);
    const v = verifyExport({ ...readAuditExport(d), key: logVerifier, policy: parseWitnessPolicy(policyText()) });
    expect(v).toMatchObject({ ok: false, code: 'witness-quorum' });
    expect(v.ok ? '' : v.reason).toMatch(/does not verify over this checkpoint/);
  });

  it('attack 2: a larger tree that rewrites the cosigned history has no consistency proof (422) and is rejected', async () => {
    const rewritten = await history('rewritten');
    await appendJobs(rewritten, 'job', 3); // the same first three entries as the honest log...
    await appendJobs(rewritten, 'evil', 5); // ...then a different fourth and fifth, and more
    const note = await rewritten.checkpoint();
    const d = await exportOf(rewritten, 'rewritten');
    expect((await verifyCli(d, '--key', Buffer.from(coordinator.publicKey).toString('hex'))).code).toBe(0);

    const out = await cosigner(rewritten).cosign(note);
    expect(statuses()).toEqual({ 'party-0': 422, 'party-1': 422, 'party-2': 422 });
    expect(replies.get('party-1')!.at(-1)!.body).toMatch(/consistency proof from size 5 to 8 does not verify/);
    expect(out).toBe(note);
    const rejected = await verifyCli(d, '--policy', join(dir, 'policy'));
    expect(rejected.code).toBe(1);
    expect(rejected.out).toMatch(/^FAIL: latest checkpoint \(size 8\): the checkpoint is cosigned by 0 of the 3 trusted witnesses/);
  });

  it('the honest log keeps growing and is cosigned again, from the consistency proof of size 5', async () => {
    await appendJobs(honest, 'job-b', 4);
    const note = await cosigner(honest).cosign(await honest.checkpoint());
    expect(statuses()).toEqual({ 'party-0': 200, 'party-1': 200, 'party-2': 200 });
    const d = await exportOf(honest, 'honest-9');
    expect((await verifyCli(d, '--policy', join(dir, 'policy'), '--trusted-checkpoint', join(dir, 'export-honest', 'checkpoint'))).code).toBe(0);
    expect(note).toContain('\n9\n');
    // A restarted coordinator reopens the log: the cosigned note is the latest and still reproduces the tree.
    const reopened = await history('honest');
    expect(await reopened.latestCheckpoint()).toBe(note);
    expect(reopened.size).toBe(9);
  });

  it('attack 3: a witness that lost its state cosigns a fork, but one is not a quorum; a restarted witness keeps refusing', async () => {
    // party-2 loses its file (without the durable state it would cosign anything of size >= 0).
    unlinkSync(join(dir, 'party-2', 'witness-state.json'));
    witnesses[2] = startWitness(2);
    // party-0 restarts normally: it reads its state back.
    witnesses[0] = startWitness(0);
    expect(witnesses[0].state).toMatchObject({ size: 9 });
    const fork = await history('fork-after-loss');
    await appendJobs(fork, 'fork', 9);
    const note = await cosigner(fork).cosign(await fork.checkpoint());
    expect(statuses()).toEqual({ 'party-0': 409, 'party-1': 409, 'party-2': 200 });
    const d = await exportOf(fork, 'fork-after-loss');
    const v = await verifyCli(d, '--policy', join(dir, 'policy'));
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/cosigned by 1 of the 3 trusted witnesses \(party-2\), the policy needs 2/);
    expect(note.split('\n').filter((l) => l.startsWith('\u2014 party-'))).toHaveLength(1);
  });

  it('a damaged state file stops the witness instead of starting a new history', () => {
    writeFileSync(join(dir, 'party-1', 'witness-state.json'), '{"origin":"coordinator","size":0,"rootHash":"x","note":"forged\\n"}\n');
    expect(() => startWitness(1)).toThrow(WitnessStateError);
    writeFileSync(join(dir, 'party-1', 'witness-state.json'), 'not json');
    expect(() => startWitness(1)).toThrow(/damaged witness state/);
  });

  it('the witness answers the spec statuses for requests that are not cosignable', () => {
    const w = new CheckpointWitness({ key: { name: 'w', secretKey: keys[0]!.secretKey }, log: logVerifier, stateFile: join(dir, 'w', 'state.json') });
    expect(w.addCheckpoint('garbage').status).toBe(400);
    expect(w.addCheckpoint(`old 0\n\nsomebody-else\n1\n${Buffer.alloc(32).toString('base64')}\n\n\u2014 somebody-else AAAAAAAA\n`).status).toBe(404);
    const stranger = generateSigningKeyPair();
    const fakeLog = { name: 'coordinator', publicKey: stranger.publicKey };
    const foreign = new CheckpointWitness({ key: { name: 'v', secretKey: keys[0]!.secretKey }, log: fakeLog, stateFile: join(dir, 'v', 'state.json') });
    expect(foreign.addCheckpoint(`old 0\n\n${honestNote}`).status).toBe(403);
    expect(w.addCheckpoint(`old 10\n${Buffer.alloc(32).toString('base64')}\n\n${honestNote}`).status).toBe(400);
    expect(w.addCheckpoint(`old 0\n\n${honestNote}`).status).toBe(200);
    // After cosigning an empty tree, the next checkpoint is accepted with "old 0" and no proof.
    const empty = new CheckpointWitness({ key: { name: 'e', secretKey: keys[0]!.secretKey }, log: logVerifier, stateFile: join(dir, 'e', 'state.json') });
    const zero = signCheckpoint({ origin: 'coordinator', size: 0, rootHash: emptyRoot() }, { name: 'coordinator', secretKey: coordinator.secretKey });
    expect(empty.addCheckpoint(`old 0\n\n${zero}`).status).toBe(200);
    expect(empty.addCheckpoint(`old 0\n\n${honestNote}`).status).toBe(200);
    expect(empty.state?.size).toBe(5);
  });
});

describe('witness policy syntax', () => {
  it('refuses policies that would mean less than they say, naming the line', () => {
    const vk = formatWitnessPolicy({ witnesses: witnessKeys, quorum: 2 }).split('\n').filter((l) => l.startsWith('witness '));
    expect(() => parseWitnessPolicy(vk.join('\n'))).toThrow(/no "quorum <k>" line/);
    expect(() => parseWitnessPolicy(`${vk[0]}\nquorum 2\n`)).toThrow(/quorum 2 is more than the 1 witnesses/);
    expect(() => parseWitnessPolicy(`${vk[0]}\n${vk[0]}\nquorum 1\n`)).toThrow(/policy line 2: witness party-0 is listed twice/);
    expect(() => parseWitnessPolicy('quorum 0\n')).toThrow(/policy line 1: expected "quorum <positive integer>"/);
    expect(() => parseWitnessPolicy('trust everyone\n')).toThrow(WitnessPolicyError);
    const p = parseWitnessPolicy(`# comment\nwitness party-9 ${'ab'.repeat(32)}   # raw key\n\nquorum 1\n`);
    expect(p.witnesses[0]!.name).toBe('party-9');
  });

  it('mpc audit verify --policy: a bad policy file or a log key that contradicts --key is a usage error', async () => {
    writeFileSync(join(dir, 'bad-policy'), 'witness nobody\nquorum 1\n');
    await expect(verifyCli(join(dir, 'export-honest'), '--policy', join(dir, 'bad-policy'))).rejects.toThrow(/--policy: .*policy line 1: vkey: expected <name>\+<8 hex key id>\+<base64 key>/);
    await expect(verifyCli(join(dir, 'export-honest'), '--policy', join(dir, 'no-such-file'))).rejects.toThrow(/--policy: cannot read/);
    const other = Buffer.from(generateSigningKeyPair().publicKey).toString('hex');
    await expect(verifyCli(join(dir, 'export-honest'), '--policy', join(dir, 'policy'), '--key', other)).rejects.toThrow(/--key and the log line of --policy name different keys/);
  });
});
