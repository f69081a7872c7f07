// Where a written export lands. A download: the engine worker wrote the file into OPFS and hands
// back a File, saved by `saveBlob` (downloadFile.ts; the browser reads it from disk; no
// copy is made in memory). Or, where the browser has the File System Access API (Chrome, Edge),
// the user picks the destination first, a file (`showSaveFilePicker`) or, for the multi-file
// exports, a folder (`showDirectoryPicker`), and the worker streams into it.
import type { ExportTarget } from '../../worker/engineProtocol.ts';

interface PickerWindow {
  showSaveFilePicker?: (opts: {
    suggestedName: string;
    id?: string;
  }) => Promise<FileSystemFileHandle>;
  showDirectoryPicker?: (opts: {
    mode: 'readwrite';
    id?: string;
  }) => Promise<FileSystemDirectoryHandle>;
}

const pickers = () => window as unknown as PickerWindow;

/** True when the user can pick where a (multi-file: folder; else file) export is written. */
export function canPick(multi: boolean): boolean {
  const w = pickers();
  return typeof (multi ? w.showDirectoryPicker : w.showSaveFilePicker) === 'function';
}

/** Asks the user where to write; null when they closed the picker. */
export async function pickTarget(name: string, multi: boolean): Promise<ExportTarget | null> {
  const w = pickers();
  try {
    if (multi) {
      const handle = await w.showDirectoryPicker!({ mode: 'readwrite', id: 'sft-studio-export' });
      return { kind: 'folder', handle };
    }
    const handle = await w.showSaveFilePicker!({ suggestedName: name, id: 'sft-studio-export' });
    return { kind: 'file', handle };
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') return null;
    throw e;
  }
}
