// The data pipeline's public API: JSONL parsing, formats, tokenizers, chat templates, loss masks
// and the dataset report. Runs in a Web Worker and in Node (npm packages only).
export * from './types';
export { createJsonlParser, parseJsonl, parseJsonlLine } from './jsonl';
export type { JsonlParser, JsonlParserOptions } from './jsonl';
export { detectFormat, normaliseLine, normaliseContent, isLineError } from './formats';
export {
  loadTokenizer,
  tokenizerFromFiles,
  wrapTokenizer,
  TokenizerLoadError,
  kDefaultHubId,
  kDefaultEndpoint,
} from './tokenizer';
export type { Tokenizer, TokenizerSource, ChatTemplateSpec } from './tokenizer';
export {
  resolveTemplate,
  listTemplates,
  builtinAvailability,
  strftime,
  TemplateError,
  kBuiltinTemplateNames,
  kDefaultTemplateDate,
} from './templates';
export type { ChatTemplate, TemplateOptions, BuiltinTemplateName } from './templates';
export { renderConversation } from './spans';
export type { CharSpan, RenderedConversation } from './spans';
export { tokenizeExample, tokenizeAll, trainedRuns, isTokenizeFailure } from './masking';
export type { MaskOptions, TokenizeOutcome, TokenizeFailure } from './masking';
export { buildReport, niceBinWidth, tokenCounts, tokenStats } from './report';
export type { ReportOptions, TokenCounts, TokenCountsOrFailure, RenderFailure } from './report';
export { prepareDataset, prepareExample, isTrainable } from './prepare';
export type { PreparedDataset, PrepareOptions } from './prepare';
export {
  runTokenizePool,
  servePool,
  poolWorkers,
  parseWorkersSetting,
  TokenizeWorkersSettingError,
  kPoolThreshold,
  kMaxPoolWorkers,
} from './tokenize-pool';
export type {
  PoolRequest,
  PoolReply,
  PoolPort,
  PoolWiring,
  PoolOptions,
  PoolResult,
} from './tokenize-pool';
export {
  packOutcomes,
  unpackOutcomes,
  packedChunkBuffers,
  preparedFromOutcomes,
  templateFailure,
} from './tokenize-packed';
export type { PackedChunk } from './tokenize-packed';
export { chatTemplateFor, templateOverride, kModelTemplate } from './choice';
export type { TemplateChoice, BuiltinTemplate } from './choice';
export { tokenizationFingerprint, tokenizerFingerprint } from './fingerprint';
export type { TokenizationKey } from './fingerprint';
export { tokenTexts } from './display';
export {
  packExamples,
  exampleAt,
  trainableExamples,
  exampleSetBuffers,
  copyExampleSet,
  pickExamples,
  ExampleSetBuilder,
  kRoleCodes,
} from './exampleset';
export type { ExampleSet } from './exampleset';
export { TextStreamer } from './stream-text';
export type { DecodeFn } from './stream-text';
export {
  corpusBleu,
  rougeL,
  rougeLScore,
  exactMatch,
  summarizeGenerations,
  summaryByModel,
  tokenize13a,
  MetricsInputError,
} from './metrics';
export type { BleuScore, GenerationRow, GenerationSummary, SummaryByModel } from './metrics';
export {
  openRows,
  readExamples,
  detectSourceFormat,
  parquetColumns,
  toAsyncBuffer,
  DatasetSourceError,
  isRowError,
} from './sources/index';
export type {
  RowItem,
  RowInput,
  RowProgress,
  OpenRowsOptions,
  SourceFormat,
  AsyncBuffer,
  ReadExamplesResult,
} from './sources/index';
export {
  openHubRows,
  resolveHubDataset,
  HubDatasetError,
  kDefaultDatasetEndpoint,
} from './hub-dataset';
export type { HubDatasetOptions, HubDatasetProgress, DatasetCache } from './hub-dataset';
export {
  parseColumnsSpec,
  formatColumnsSpec,
  readRow,
  describeReading,
  ColumnMappingError,
  kMappingTargets,
} from './mapping';
export type { ColumnMapping, MappingTarget, ReadRowOptions } from './mapping';
export { proposeMapping } from './mapping-propose';
export type { MappingProposal } from './mapping-propose';
export * from './lint/index';
export { promptAndReference } from './prompts';
export type { PromptWithReference } from './prompts';
