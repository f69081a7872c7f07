// Browser end-to-end plumbing shared by test/e2e: a Vite dev server over the repository (so pages
// import src/ and shaders/ exactly as the studio does) and headless Chromium with WebGPU enabled
// (SwiftShader when the machine has no GPU).
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';

export const kRepoRoot = resolve(import.meta.dirname, '../..');

export interface TestServer {
  server: ViteDevServer;
  /** Base URL ending in '/', e.g. http://127.0.0.1:41234/ */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a Vite dev server on a free port over `root` (default: the repository root, with its
 * vite.config.ts). No file watching or HMR: other people editing src/ must not reload a page
 * mid-test. `optimizeEntries` pre-bundles dependencies up front (pages that start workers need it,
 * or Vite reloads the page when it discovers them).
 */
export async function startServer(
  root: string = kRepoRoot,
  optimizeEntries?: string[],
): Promise<TestServer> {
  const server = await createServer({
    root,
    logLevel: 'error',
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
    ...(optimizeEntries ? { optimizeDeps: { entries: optimizeEntries } } : {}),
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) {
    await server.close();
    throw new Error('vite dev server has no local URL');
  }
  return { server, url, close: () => server.close() };
}

/** Headless Chromium from /usr/bin/chromium with WebGPU enabled and background traffic off. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--enable-unsafe-webgpu',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
