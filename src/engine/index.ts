// The engine's one public surface. The CLI (src/cli) and the studio's workers (src/worker) import
// this module, src/data and device acquisition (src/gpu/device.ts), and nothing else of the engine
// (eslint holds that line): open a model from a source the host provides, tune the kernels, plan
// and train a run, evaluate, generate, export. Its types are the worker protocol's types.
export {
  Engine,
  type TuneProgress,
  type TuneStore,
  type DeviceInfo,
  type MemorySnapshot,
} from './engine.ts';
export {
  kDefaultSettings,
  withDefaults,
  gradAccumOf,
  evalEveryOf,
  kSchedulers,
  kAllLinear,
  type TrainSettings,
  type SchedulerName,
} from './settings.ts';
export {
  EngineError,
  toFailure,
  kHints,
  type EngineFailure,
  type EngineErrorKind,
} from './errors.ts';
export {
  openTokenizer,
  readModelConfig,
  downloadTracker,
  type ModelInfo,
  type LoadedModel,
  type LoadProgress,
  type ModelTokenizer,
} from './models.ts';
export {
  demoModelSource,
  demoModelConfig,
  kDemoName,
  kDemoTokenizerName,
  kDemoConfig,
} from './demo.ts';
export {
  hubSource,
  blobSource,
  bytesSource,
  cacheStorageCache,
  memoryCache,
  checkRange,
  kDefaultEndpoint,
  ModelFileNotFoundError,
  ModelSourceError,
  type ModelSource,
  type ModelCache,
  type DownloadProgress,
} from '../model/source.ts';
export type { ModelConfig } from '../model/config.ts';
export {
  estimateMemory,
  planTraining,
  formatPlan,
  fmtBytes,
  type MemoryEstimate,
  type MemoryKnobs,
  type MemoryPlan,
} from './memory.ts';
export { planRun, kMinUsefulSteps, type RunPlan, type RunSuggestion } from './runplan.ts';
export { checkpointInfo } from './run.ts';
export {
  parseFaultPlan,
  describeFaultPlan,
  hasFaults,
  kFaultEnv,
  FaultPlanError,
  type FaultPlan,
} from '../train/faults.ts';
export { kMaxNonFiniteSteps } from '../train/step-guard.ts';
export type {
  TrainingRun,
  RunInfo,
  TrainOptions,
  RunResult,
  AdapterFiles,
  TrainEvent,
} from './run.ts';
export type {
  StepEvent,
  EvalEvent,
  SkippedStepEvent,
  CheckpointEvent,
  InfoEvent,
  DoneEvent,
} from '../train/events.ts';
export {
  kDefaultSampling,
  stopTokenIds,
  promptIds,
  type Sampling,
  type GenerationResult,
  type AdapterInput,
  type ReplyGenerator,
  type GenerateArgs,
} from './generation.ts';
export { readAdapter, type EvalResult, type LoraWeights, type TokenLosses } from './evaluation.ts';
export { modelCard, peftSnippet, type CardFacts, type CurationRecord } from './card.ts';
export {
  trlProject,
  trlProjectFiles,
  trlHyperparameters,
  kTrlRequirements,
  type TrlProjectInput,
} from '../export/trl.ts';
export {
  mergedModelFiles,
  ggufChunks,
  loraGgufChunks,
  ollamaModelfile,
  mergedModelCard,
  kGgufTypes,
  type ExportFile,
  type MergeDtype,
  type GgufType,
} from './export.ts';
export { mergedFolderBytes, ggufBytes, loraGgufBytes } from '../export/sizes.ts';
