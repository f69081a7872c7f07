// Saving bytes or text the studio made (a curated JSONL, a prompt set, the adapter zip) as a download.
// Its own file so that the modules that offer downloads need no worker bridge for it.

/** Saves bytes or text as a file through a temporary object URL. */
export function downloadFile(name: string, data: Uint8Array | string, type: string): void {
  const blob = new Blob([data as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
