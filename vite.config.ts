// Vite serves the studio (React + a module Web Worker); the same config drives vitest, so `?raw`
// shader imports resolve identically in the browser, the tests and the benchmarks.
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  // Pre-bundle the workers' dependencies up front: otherwise the first `npm start` reloads the page
  // when the dataset worker first loads and Vite discovers its imports.
  optimizeDeps: { entries: ['index.html', 'src/worker/*.worker.ts'] },
  server: { port: 5173, strictPort: false },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // GPU tests share one software adapter on a 2-core machine: keep files from fighting over it.
    fileParallelism: false,
    benchmark: { include: ['test/bench/**/*.bench.ts'] },
  },
});
