#!/usr/bin/env node
// Launcher for `npx mpc`: checks the runtime before loading anything that needs Node 22+.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `mpc: Node.js ${process.versions.node} is too old; this project needs Node.js 22.12 or newer ` +
      `(node-seal 7 does not load on Node 20). Run it through npm (npx mpc / npm start), which uses ` +
      `the Node.js that \`npm ci\` installs into node_modules/.bin.\n`,
  );
  process.exit(78);
}
await import('../../../dist/services/cli/main.js');
