// One local "Hub" endpoint that serves both a model and datasets, as huggingface.co (or a mirror
// set with HF_ENDPOINT) does: the tiny model of studio-helpers.ts `startHub` at
// `/e2e/tiny/resolve/main/{file}`, and the datasets of test/fixtures/fake-hub.ts under
// `/api/datasets/...` and `/datasets/...`. It forwards each request to the one that serves it and
// rewrites the dataset listing's absolute Parquet URLs to its own origin, so that a page using this
// endpoint for both never needs another origin (what the network audit checks).
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeHub, type FakeDatasetRepo } from '../fixtures/fake-hub.ts';
import { startHub } from './studio-helpers.ts';

export interface OneHub {
  endpoint: string;
  /** The model's repo id. */
  repo: string;
  /** The dataset Hub's request log ("METHOD path [range]"). */
  datasetLog: string[];
  close(): Promise<void>;
}

const isDatasetPath = (path: string) => /^\/(api\/)?datasets\//.test(path);
const isListing = (path: string) => /^\/api\/datasets\/[^/]+\/[^/]+\/parquet$/.test(path);

export async function startOneHub(datasets: Record<string, FakeDatasetRepo>): Promise<OneHub> {
  const model = await startHub();
  const data = await startFakeHub(datasets);
  let endpoint = '';
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const upstream = isDatasetPath(path) ? data.endpoint : model.endpoint;
    const forward = request(
      `${upstream}${path}`,
      { method: req.method, headers: req.headers },
      (up) => {
        if (!isListing(path) || up.statusCode !== 200) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const parts: Buffer[] = [];
        up.on('data', (b: Buffer) => parts.push(b));
        up.on('end', () => {
          const body = Buffer.concat(parts).toString('utf8').split(data.endpoint).join(endpoint);
          const headers = { ...up.headers, 'content-length': String(Buffer.byteLength(body)) };
          delete headers['transfer-encoding'];
          res.writeHead(200, headers).end(body);
        });
      },
    );
    forward.on('error', (e) => res.writeHead(502).end(`upstream failed: ${e.message}`));
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    repo: model.repo,
    datasetLog: data.log,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      model.close();
      await data.close();
    },
  };
}
