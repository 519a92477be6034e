// Entry point of `npm run bench`. The harness is TypeScript compiled as CommonJS, so tsx's
// require hook loads it; the handlers it measures are esbuild bundles and run without tsx.
// Flags: --quick for a smoke run, --only=warm,cold,key-set,synth,hot-paths to pick benchmarks.
import { createRequire } from 'node:module';
import { register } from 'tsx/cjs/api';

register();
const { main } = createRequire(import.meta.url)('./main.ts');
await main(process.argv.slice(2));
