// The studio store's slices and the Start gate, outside React: the dataset source is kept as the
// user gave it, the train form starts from (and resets to) the engine's defaults, the max length
// is one value, failures keep their kind and hint, steps extend the smoothed loss, and Start stays
// disabled, with the reason, until the dataset is tokenized with the loaded model's tokenizer.
import { beforeEach, describe, expect, it } from 'vitest';
import { kDefaultSettings } from '../../src/worker/engineProtocol.ts';
import type { StepEvent } from '../../src/worker/engineProtocol.ts';
import type { DatasetSummary, TokenStats, TokenizerInfo } from '../../src/worker/protocol.ts';
import { useStudio } from '../../src/ui/store/index.ts';
import { startBlocker } from '../../src/ui/train-step/startGate.ts';

const initial = useStudio.getState();
const s = () => useStudio.getState();

function step(n: number, loss: number | null): StepEvent {
  return {
    kind: 'step',
    step: n,
    totalSteps: 10,
    epoch: n / 10,
    loss,
    lr: 1e-3,
    gradNorm: 1,
    tokens: 10,
    realTokens: 20,
    tokensPerSecond: 100,
    elapsedSeconds: n,
    etaSeconds: 10 - n,
    memory: { current: {}, peak: {}, totalCurrent: 5, totalPeak: 7 } as StepEvent['memory'],
  };
}

function stats(maxLength: number, trainedTokens = 40): TokenStats {
  return {
    maxLength,
    counted: 3,
    histogram: [{ binStart: 0, binEnd: 64, count: 3 }],
    minLength: 10,
    maxSeen: 50,
    meanLength: 30,
    median: 30,
    p95: 50,
    totalTokens: 90,
    trainedTokens,
    maskedTokens: 90 - trainedTokens,
    overMaxLength: 0,
    overMaxLengthLines: [],
    truncatedTrainedTokens: 0,
    excluded: [],
    renderErrors: [],
  };
}

function summary(tokens?: TokenStats): DatasetSummary {
  return {
    name: 'd.jsonl',
    bytes: 100,
    totalLines: 3,
    validExamples: 3,
    errorLines: 0,
    formats: { messages: 3 },
    mixedFormats: false,
    turns: { min: 2, max: 2, mean: 2, histogram: [] },
    duplicates: 0,
    emptyAnswers: 0,
    tokens,
  };
}

const tokInfo = (name: string, fromModel: boolean): TokenizerInfo => ({
  name,
  vocabSize: 100,
  hasChatTemplate: true,
  specialTokens: [],
  fromModel,
});

const modelInfo = {
  name: 'demo',
  architecture: 'MistralForCausalLM',
  family: 'mistral',
  layers: 2,
  hidden: 64,
  vocab: 100,
  params: 1000,
  weightDtype: 'f32',
  weightBytes: 4000,
  tokenizer: 'demo-tok',
  demo: true,
};

/** A dataset worker's sequence for a file: started, parsed, tokenized. */
function datasetTokenized(maxLength: number) {
  const file = new File(['{}'], 'd.jsonl');
  s().datasetStarted(7, { kind: 'file', file });
  const table = {
    count: 0,
    line: new Int32Array(0),
    format: new Uint8Array(0),
    turns: new Uint16Array(0),
    flags: new Uint8Array(0),
    tokens: new Int32Array(0),
    trained: new Int32Array(0),
    previewText: '',
    previewStart: new Int32Array(1),
    lint: new Uint16Array(0),
    curation: new Uint8Array(0),
  };
  s().datasetParsed(7, summary(), table, []);
  s().datasetTokenized(7, summary(stats(maxLength)), null, true);
}

beforeEach(() => useStudio.setState(initial, true));

describe('studio store', () => {
  it('keeps the dataset source as the user gave it', () => {
    const file = new File(['x'], 'mine.jsonl');
    s().datasetStarted(3, { kind: 'file', file });
    expect(s().dataset.source).toEqual({ kind: 'file', file });
    expect(s().dataset.source?.kind === 'file' && s().dataset.source).toHaveProperty('file', file);
    expect(s().dataset.name).toBe('mine.jsonl');
    s().datasetStarted(4, {
      kind: 'url',
      url: '/samples/chat.jsonl',
      name: 'Multi-turn assistant',
    });
    expect(s().dataset.source).toEqual({
      kind: 'url',
      url: '/samples/chat.jsonl',
      name: 'Multi-turn assistant',
    });
    expect(s().dataset.name).toBe('Multi-turn assistant');
  });

  it("starts from and resets to the engine's default settings", () => {
    expect(s().train.settings).toEqual(kDefaultSettings);
    s().setTrainSettings({ maxLength: 256, useRslora: true, gradientCheckpointing: false });
    expect(s().train.settings).toMatchObject({
      maxLength: 256,
      useRslora: true,
      gradientCheckpointing: false,
      r: kDefaultSettings.r,
    });
    s().resetTrainSettings();
    expect(s().train.settings).toEqual(kDefaultSettings);
  });

  it('keeps the model files picked and clears a failure once the model loads', () => {
    const files = [new File(['{}'], 'config.json'), new File(['x'], 'model.safetensors')];
    s().setModelFiles(files);
    expect(s().engine.modelFiles).toBe(files);
    const failure = { kind: 'out-of-memory' as const, message: 'too big', hint: 'lower it' };
    s().modelFailed(2, failure);
    expect(s().engine.model).toMatchObject({ status: 'failed', failure });
    s().modelLoading(3, { stage: 'tune', message: 'matmul', done: 2, total: 9 });
    expect(s().engine.model).toMatchObject({ status: 'loading', failure: null });
    s().modelReady(3, modelInfo, 'tokenizer', { name: 'demo-tok', fingerprint: 'f' });
    expect(s().engine.model).toMatchObject({
      status: 'ready',
      template: 'tokenizer',
      tokenizer: { name: 'demo-tok', fingerprint: 'f' },
    });
    // A late event of an older job changes nothing.
    s().modelFailed(2, failure);
    expect(s().engine.model.status).toBe('ready');
  });

  it('replaces a stale tokenizer error with the model tokenizer', () => {
    s().tokenizerLoading(1, 'Downloading');
    s().tokenizerFailed(1, 'offline');
    expect(s().model.tokenizer.status).toBe('failed');
    s().tokenizerLoading(2, 'Starting…');
    s().tokenizerReady(2, tokInfo('demo-tok', true));
    s().tokenizerFailed(1, 'offline, again');
    expect(s().model.tokenizer).toMatchObject({ status: 'ready', message: '' });
    expect(s().model.tokenizer.info?.fromModel).toBe(true);
  });

  it('extends the smoothed loss across batches and keeps a run failure typed', () => {
    s().runStarted(
      {
        totalSteps: 10,
        seqLen: 64,
        trainExamples: 3,
        evalExamples: 0,
        evalLines: [],
        realTokenRatio: 1,
        loraParams: 10,
        plannedBytes: 100,
        planText: '',
        gradAccum: 1,
        resumedFrom: 0,
      },
      [],
      { ...kDefaultSettings },
    );
    s().runSteps([step(1, 4), step(2, null)]);
    s().runSteps([step(3, 2)]);
    const p = s().train.points;
    expect(p.map((x) => x.step)).toEqual([1, 2, 3]);
    expect(p[0].smooth).toBeCloseTo(4);
    expect(p[1].smooth).toBeCloseTo(4);
    // Bias-corrected EMA of 4, 2 with beta 0.9: (0.09·4 + 0.1·2) / 0.19.
    expect(p[2].smooth).toBeCloseTo((0.09 * 4 + 0.1 * 2) / 0.19);
    expect(s().train.last?.memory.totalPeak).toBe(7);
    const failure = { kind: 'device-lost' as const, message: 'lost', hint: 'resume' };
    s().runEnded('error', 3, 'lost', failure);
    expect(s().train).toMatchObject({ state: 'error', step: 3, failure });
    s().runEnded('stopped', 3, 'Stopped at step 3.', failure);
    expect(s().train.failure).toBeNull();
  });
});

describe('Start gate', () => {
  function readyToTrain(maxLength = kDefaultSettings.maxLength) {
    s().deviceReady({
      vendor: 'v',
      architecture: 'a',
      description: 'd',
      device: 'x',
      features: [],
      maxBufferSize: 1,
      maxStorageBufferBindingSize: 1,
      maxComputeWorkgroupStorageSize: 1,
      maxComputeInvocationsPerWorkgroup: 1,
      maxComputeWorkgroupsPerDimension: 1,
    });
    s().modelReady(1, modelInfo, 'tokenizer', { name: 'demo-tok', fingerprint: 'f' });
    s().tokenizerLoading(5, 'Starting…');
    s().tokenizerReady(5, tokInfo('demo-tok', true));
    datasetTokenized(maxLength);
  }

  it('opens once the dataset is tokenized with the loaded model tokenizer', () => {
    readyToTrain();
    expect(startBlocker(s())).toBeNull();
  });

  it('says why while no model is loaded or the dataset is missing', () => {
    expect(startBlocker(s())).toMatchObject({ step: 'model' });
    s().modelReady(1, modelInfo, 'tokenizer', { name: 'demo-tok', fingerprint: 'f' });
    expect(startBlocker(s())).toMatchObject({ step: 'dataset' });
  });

  it('waits while tokenizing and refuses a preview tokenizer that is not the model one', () => {
    readyToTrain();
    s().tokenizerLoading(6, 'Loading');
    expect(startBlocker(s())?.reason).toMatch(/Tokenizing/);
    s().datasetProgress(7, { phase: 'tokenizing', done: 1, total: 3, lines: 3 });
    expect(startBlocker(s())?.reason).toContain('(1 / 3 examples)');
    s().datasetTokenized(7, summary(stats(kDefaultSettings.maxLength)), null, true);
    s().tokenizerReady(6, tokInfo('HuggingFaceTB/SmolLM2-135M', false));
    expect(startBlocker(s())).toMatchObject({ retokenize: true });
    expect(startBlocker(s())?.reason).toContain('HuggingFaceTB/SmolLM2-135M');
  });

  it('waits for re-tokenizing after the max length changes', () => {
    readyToTrain(2048);
    s().setTrainSettings({ maxLength: 64 });
    expect(startBlocker(s())?.reason).toMatch(/max length 64/);
    datasetTokenized(64);
    expect(startBlocker(s())).toBeNull();
  });

  it('refuses a dataset with no trained token, and any start while WebGPU is missing', () => {
    readyToTrain();
    s().datasetTokenized(7, summary(stats(kDefaultSettings.maxLength, 0)), null, true);
    expect(startBlocker(s())).toMatchObject({ step: 'dataset' });
    s().deviceUnavailable({ kind: 'webgpu-unavailable', message: 'no gpu', hint: 'use Chrome' });
    expect(startBlocker(s())?.reason).toMatch(/WebGPU/);
  });
});
