#!/usr/bin/env node
// Launcher for `npx mpc`: checks the runtime and the build before loading anything that needs them.
import { existsSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `mpc: Node.js ${process.versions.node} is too old; this project needs Node.js 22.12 or newer ` +
      `(node-seal 7 does not load on Node 20). Run it through npm (npx mpc / npm start), which uses ` +
      `the Node.js that \`npm ci\` installs into node_modules/.bin.\n`,
  );
  process.exit(78);
}
const main = new URL('../../../dist/services/cli/main.js', import.meta.url);
// `npm ci` builds dist/ (the prepare script); after `npm ci --ignore-scripts` or a clean it is missing.
if (!existsSync(main)) {
  process.stderr.write("mpc: the CLI is not built (dist/services/cli/main.js is missing): run 'npm run build' in the project folder\n");
  process.exit(78);
}
await import(main.href);
