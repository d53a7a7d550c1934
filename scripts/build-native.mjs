// Builds the native ring addon (crypto-core/native) with node-gyp against local Node.js headers,
// so no header download is attempted. Run by `npm ci` (the package's install script) and by
// `npm run build`; `--force` rebuilds even when the addon is up to date; `--nodedir=<dir>` picks
// the headers (default: the first of the running Node's, the system's, then the vendored ones).
//
// Exit status is 0 even when the build fails: the TypeScript ring is then used, and the ring
// parity test (test/crypto-core/ring-parity.test.ts) fails unless MPC_NATIVE=0, so CI notices.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addonDir = join(root, 'crypto-core', 'native');
const product = join(addonDir, 'build', 'Release', 'mpc_ring.node');
const force = process.argv.includes('--force');
/** `--nodedir=<dir>` overrides the header search (e.g. to test the vendored headers). */
const nodeDirArg = process.argv.find((a) => a.startsWith('--nodedir='))?.slice('--nodedir='.length);

function warn(msg) {
  process.stderr.write(`build-native: WARNING: ${msg}\n` +
    'build-native: the TypeScript ring backend will be used (slower); the ring parity test fails until this is fixed.\n');
  process.exit(0);
}

/** Newest modification time of the addon's sources (binding.gyp and src/**). */
function newestSource() {
  let newest = statSync(join(addonDir, 'binding.gyp')).mtimeMs;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(addonDir, 'src'));
  return newest;
}

/**
 * A directory with include/node/node_api.h to pass as --nodedir. Node-API is ABI-stable, so the
 * headers of any Node.js with N-API 8 serve; the running Node's own come first.
 */
function findNodeDir() {
  const exeRoot = dirname(dirname(process.execPath));
  const arch = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  const candidates = [
    exeRoot,
    join(exeRoot, 'node_modules', arch), // the npm `node` package's platform binary package
    join(root, 'node_modules', 'node', 'node_modules', arch),
    join(root, 'node_modules', arch),
    '/usr/local',
    '/usr',
    join(addonDir, 'node-api'), // vendored Node-API headers (see its README.md): always present
  ];
  return candidates.find((d) => existsSync(join(d, 'include', 'node', 'node_api.h'))
    && existsSync(join(d, 'include', 'node', 'common.gypi')));
}

if (!existsSync(join(addonDir, 'binding.gyp'))) warn(`no binding.gyp in ${addonDir}`);
if (!force && existsSync(product) && statSync(product).mtimeMs >= newestSource()) {
  console.log('build-native: mpc_ring.node is up to date');
  process.exit(0);
}

let gypScript;
try {
  gypScript = createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
} catch (err) {
  warn(`node-gyp is not installed (${err.message})`);
}
const nodeDir = nodeDirArg ? resolve(nodeDirArg) : findNodeDir();
if (!nodeDir) warn('no Node.js headers found (looked for include/node/node_api.h next to this Node, in /usr and in crypto-core/native/node-api)');

console.log(`build-native: building crypto-core/native with node-gyp (headers from ${nodeDir})`);
const started = Date.now();
// An existing build tree is rebuilt incrementally (make tracks header dependencies), which also
// keeps the old addon in place for processes loading it meanwhile; --force starts from scratch.
const makefile = join(addonDir, 'build', 'Makefile');
const incremental = !force && existsSync(makefile) && statSync(makefile).mtimeMs >= statSync(join(addonDir, 'binding.gyp')).mtimeMs;
const gypArgs = incremental ? ['build', '--release', '--jobs=2'] : ['rebuild', '--release', `--nodedir=${nodeDir}`, '--jobs=2'];
const res = spawnSync(process.execPath, [gypScript, ...gypArgs], {
  cwd: addonDir,
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
  // binding.gyp asks `node` for node-addon-api's include dir: make it this Node.
  env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` },
});
if (res.error || res.status !== 0 || !existsSync(product)) {
  process.stderr.write(res.stdout ?? '');
  process.stderr.write(res.stderr ?? '');
  warn(`node-gyp failed (${res.error ? res.error.message : `exit ${res.status}`})`);
}
console.log(`build-native: built ${product} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
