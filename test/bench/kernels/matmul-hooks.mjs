// Node module hooks for the plain-script benchmarks: TypeScript through tsx and `*.wgsl?raw` through
// bin/raw-loader.mjs, so the bench loads the very same shader files as the browser and the tests.
// Usage: node --import ./test/bench/kernels/matmul-hooks.mjs test/bench/kernels/matmul.ts
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('../../../bin/raw-loader.mjs', import.meta.url);
registerTsx();
