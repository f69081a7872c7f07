// The Export step's messages beyond the adapter: the merged model, GGUF, the LoRA GGUF and the TRL
// project, measured before writing (`export-measure`: the size, the file names) and then written
// by the engine worker (`export-write`) chunk by chunk into OPFS or a file or folder the user
// picked, with progress and cancel. engineProtocol.ts adds these to its unions; the UI imports
// them from there.
import type { GgufType, MergeDtype, TrainSettings } from '../engine/index.ts';
import type { ExampleSet } from '../data/exampleset.ts';
import type { EngineFailure } from '../engine/index.ts';
import type { AdapterChoice } from './adapterChoice.ts';
import type { TemplateChoice } from './protocol.ts';

export type { GgufType, MergeDtype };

/** The exports beside the PEFT adapter. */
export type ExportKind = 'merged' | 'gguf' | 'lora-gguf' | 'trl';

export interface ExportOptions {
  kind: ExportKind;
  /** The run's adapter to fold in or convert: the last step's or the best eval loss's. */
  which: AdapterChoice;
  /** Merged model dtype; null: the base checkpoint's. */
  dtype: MergeDtype | null;
  /** GGUF type of the merged model's matrices. */
  ggufType: GgufType;
}

/** The TRL project's inputs from the UI: the dataset worker's tokenized set and the Train form. */
export interface TrlInput {
  examples: ExampleSet;
  datasetName: string;
  settings: TrainSettings;
  template: TemplateChoice;
  date: string;
}

/**
 * Where an export goes: `download` writes it into the origin-private file system (OPFS) and hands
 * the UI the finished File to save; `file` and `folder` are File System Access handles the user
 * picked (a multi-file export into a `file` is a zip; into a `folder`, a subfolder of files).
 */
export type ExportTarget =
  | { kind: 'download' }
  | { kind: 'file'; handle: FileSystemFileHandle }
  | { kind: 'folder'; handle: FileSystemDirectoryHandle };

/** What an export will write, known before writing. */
export interface ExportMeasure {
  /** The file (or zip / folder) name it saves under. */
  name: string;
  /** Bytes of content (a zip adds a few hundred bytes of headers). */
  bytes: number;
  /** The files inside a multi-file export (relative paths), or the one file. */
  files: string[];
  /** True when the export is several files (a zip when downloaded). */
  multi: boolean;
  /** The merged model's dtype (the base's when none was asked), else null. */
  dtype: MergeDtype | null;
  /** The Ollama Modelfile to put beside a GGUF, else null. */
  modelfile: string | null;
}

export type ExportRequest =
  | { kind: 'export-measure'; job: number; options: ExportOptions; trl: TrlInput | null }
  | {
      kind: 'export-write';
      job: number;
      options: ExportOptions;
      trl: TrlInput | null;
      target: ExportTarget;
    }
  | { kind: 'export-cancel'; job: number };

export type ExportEvent =
  | { kind: 'export-measured'; job: number; measure: ExportMeasure }
  | { kind: 'export-measure-failed'; job: number; failure: EngineFailure }
  | { kind: 'export-progress'; job: number; done: number; total: number; file: string }
  /** Written: `file` is the OPFS File to save (a `download` target), null for a picked place. */
  | { kind: 'export-written'; job: number; name: string; bytes: number; file: File | null }
  | { kind: 'export-write-failed'; job: number; failure: EngineFailure }
  | { kind: 'export-cancelled'; job: number };
