/**
 * `mpc up --topology` / `--servers`: refused before anything starts when they name no topology
 * or contradict each other (usage errors, exit 2 through the CLI).
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../services/cli/commands/up.js';
import { UsageError } from '../../services/cli/usage-error.js';

describe('mpc up topology flags', () => {
  it('refuses an unknown topology, a server count other than 1 or 3, and flags that disagree', async () => {
    await expect(run(['--topology', 'mesh'])).rejects.toThrow(new UsageError('--topology: expected single or cluster, got mesh'));
    await expect(run(['--servers', '2'])).rejects.toThrow(/--servers: expected 1 or 3, got 2/);
    await expect(run(['--topology', 'cluster', '--servers', '1'])).rejects.toThrow(/--topology cluster and --servers 1 disagree/);
  });
});
