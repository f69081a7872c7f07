// The dataset worker's answer to "Look up" in the Hub picker: the subsets and splits at once
// (hub-listing), then each split's row count as its Parquet footers are read (hub-rows). A newer
// look-up makes an older one stop and stay silent.
import { countHubRows, lookUpHubDataset } from './datasetHub.ts';
import type { WorkerEvent } from './protocol.ts';

let latestLookup = 0;

function send(msg: WorkerEvent): void {
  postMessage(msg);
}

export async function lookUp(
  job: number,
  repo: string,
  endpoint: string,
  token: string | undefined,
): Promise<void> {
  latestLookup = job;
  const stale = () => job !== latestLookup;
  try {
    const found = await lookUpHubDataset(repo, endpoint, token || undefined);
    if (stale()) return;
    send({ kind: 'hub-listing', job, listing: found.listing });
    await countHubRows(
      found,
      token || undefined,
      (subset, split, rows) => send({ kind: 'hub-rows', job, subset, split, rows }),
      stale,
    );
  } catch (err) {
    if (!stale()) {
      send({ kind: 'hub-failed', job, message: err instanceof Error ? err.message : String(err) });
    }
  }
}
