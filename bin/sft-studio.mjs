#!/usr/bin/env node
// The CLI entry: runs src/cli/main.ts straight from source with tsx, plus a tiny loader hook that
// serves `*.wgsl?raw` imports the way Vite does, so the CLI loads the very same shader files as the
// browser and the tests.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./raw-loader.mjs', import.meta.url);
registerTsx();
await import('../src/cli/main.ts');
