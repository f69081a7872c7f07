// Opening a model from a source the host provides (a Hub repo, a folder in Node, the files a user
// picked in the browser, the offline demo): its config, its own tokenizer (the files' text kept,
// so the studio's dataset worker tokenizes with exactly the same tokenizer), and the frozen
// weights streamed onto the GPU tensor by tensor. ModelInfo is what the hosts show of it.
import { tokenizerFingerprint, tokenizerFromFiles, type Tokenizer } from '../data/index.ts';
import type { GpuContext } from '../gpu/context.ts';
import { parseModelConfig, type ModelConfig } from '../model/config.ts';
import { loadDeviceModel, type DeviceModel } from '../model/layers/load.ts';
import { countParams } from '../model/params.ts';
import { readText, type DownloadProgress, type ModelSource } from '../model/source.ts';
import type { WeightsProgress } from '../model/weights.ts';
import { EngineError } from './errors.ts';

export interface ModelInfo {
  name: string;
  architecture: string;
  family: string;
  layers: number;
  hidden: number;
  vocab: number;
  params: number;
  /** How the frozen matrices sit on the GPU. */
  weightDtype: string;
  /** Device bytes of the frozen weights. */
  weightBytes: number;
  tokenizer: string;
  demo: boolean;
}

/** A tokenizer with the text of its files (they travel to the studio's dataset worker). */
export interface ModelTokenizer {
  tokenizer: Tokenizer;
  name: string;
  json: string;
  config: string;
  /** tokenizerFingerprint of the files: which tokenizer this is. */
  fingerprint: string;
}

export interface LoadedModel {
  readonly info: ModelInfo;
  readonly config: ModelConfig;
  readonly tok: ModelTokenizer;
  /** The weights on the device (for the engine's own use). */
  readonly device: DeviceModel;
  destroy(): void;
}

export interface LoadProgress {
  stage: 'download' | 'upload';
  message: string;
  done: number;
  total: number;
}

const kRequired = ['config.json', 'tokenizer.json'];

/** The model's own tokenizer, from tokenizer.json (+ tokenizer_config.json when present). */
export async function openTokenizer(
  source: ModelSource,
  name = source.name,
): Promise<ModelTokenizer> {
  if (!(await source.exists('tokenizer.json'))) {
    throw new EngineError(
      'bad-input',
      `tokenizer.json is missing from ${source.name}: a model needs config.json, model.safetensors ` +
        '(or its shards and model.safetensors.index.json), tokenizer.json and tokenizer_config.json',
    );
  }
  const json = await readText(source, 'tokenizer.json');
  const config = (await source.exists('tokenizer_config.json'))
    ? await readText(source, 'tokenizer_config.json')
    : '{}';
  const tokenizer = tokenizerFromFiles(json, config, name);
  return { tokenizer, name, json, config, fingerprint: tokenizerFingerprint(json, config) };
}

/** config.json of a source (only that file is read or downloaded). */
export async function readModelConfig(source: ModelSource): Promise<ModelConfig> {
  return parseModelConfig(await readText(source, 'config.json'), `${source.name}/config.json`);
}

export async function loadModel(
  ctx: GpuContext,
  source: ModelSource,
  opts: { onProgress?: (p: LoadProgress) => void; tokenizerName?: string; demo?: boolean } = {},
): Promise<LoadedModel> {
  for (const f of kRequired) {
    if (!(await source.exists(f))) {
      throw new EngineError(
        'bad-input',
        `${f} is missing from ${source.name}: a model needs config.json, model.safetensors ` +
          '(or its shards and model.safetensors.index.json), tokenizer.json and tokenizer_config.json',
      );
    }
  }
  const tok = await openTokenizer(source, opts.tokenizerName);
  // A tokenizer.json from another model would feed ids past the embedding table (or map the same
  // ids to other words): refuse it before anything is uploaded. Padding the vocabulary (Qwen's 151936
  // rows for 151669 tokens) is fine; more tokens than rows is not.
  const config = await readModelConfig(source);
  if (tok.tokenizer.vocabSize > config.vocab) {
    throw new EngineError(
      'bad-input',
      `${source.name}: tokenizer.json has ${tok.tokenizer.vocabSize} tokens but config.json's ` +
        `vocab_size is ${config.vocab}: the tokenizer belongs to another model`,
      'Put the tokenizer.json and tokenizer_config.json of this very model beside its config.json.',
    );
  }
  const device = await loadDeviceModel(ctx, source, {
    onProgress: (p: WeightsProgress) =>
      opts.onProgress?.({
        stage: 'upload',
        message: `Uploading weights to the GPU (${p.index}/${p.count} tensors)`,
        done: p.bytesDone,
        total: p.bytesTotal,
      }),
  });
  const cfg = device.config;
  let weightBytes = 0;
  for (const t of device.weights.values()) weightBytes += t.bytes;
  return {
    info: {
      name: device.name,
      architecture: cfg.architecture,
      family: cfg.family,
      layers: cfg.layers,
      hidden: cfg.hidden,
      vocab: cfg.vocab,
      params: countParams(cfg),
      weightDtype: device.weightDtype,
      weightBytes,
      tokenizer: tok.name,
      demo: opts.demo ?? false,
    },
    config: cfg,
    tok,
    device,
    destroy: () => device.destroy(),
  };
}

/** Download progress of several files as one total (what a host shows while a model arrives). */
export function downloadTracker(
  onProgress: (p: LoadProgress) => void,
): (p: DownloadProgress) => void {
  const files = new Map<string, { loaded: number; total: number }>();
  return (p) => {
    files.set(p.file, { loaded: p.loaded, total: p.total ?? p.loaded });
    let done = 0;
    let total = 0;
    for (const f of files.values()) {
      done += f.loaded;
      total += f.total;
    }
    const mb = (p.loaded / 2 ** 20).toFixed(0);
    onProgress({
      stage: 'download',
      message: `${p.fromCache ? 'From cache' : 'Downloading'} ${p.file}: ${mb} MiB`,
      done,
      total,
    });
  };
}
