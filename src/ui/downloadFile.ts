// Saving what the studio made (a curated JSONL, a prompt set, the adapter zip, an export written to
// OPFS) as a download. Its own file so that the modules that offer downloads need no worker bridge.

/** Saves a Blob (an OPFS File, or small text) under `name` through a temporary object URL. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download holds its own reference once started; the URL only has to outlive the click.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Saves bytes or text as a file. */
export function downloadFile(name: string, data: Uint8Array | string, type: string): void {
  saveBlob(new Blob([data as BlobPart], { type }), name);
}
