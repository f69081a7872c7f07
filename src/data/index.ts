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
export { buildReport, niceBinWidth, tokenCounts } from './report';
export type { ReportOptions, TokenCounts } from './report';
export { tokenTexts } from './display';
