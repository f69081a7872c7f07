// The dataset as training will see it, in one place for the CLI and the studio: each parsed
// example rendered by the chat template, tokenized with its loss mask, and sorted into trainable,
// excluded (no trained token left after truncation) or failed (the template raised on it), with
// the reason. The one exclusion rule: an example trains when a label after the first position is
// kept (labels are unshifted, so label 0 is never a next-token target).
import type { ChatTemplate } from './templates';
import type { Tokenizer } from './tokenizer';
import { tokenizeExample } from './masking';
import { tokenStats, tokenCounts, type TokenCountsOrFailure } from './report';
import { kIgnoreIndex, type Example, type TokenizedExample, type TokenStats } from './types';

/** Whether an example has a next-token target left to train on. */
export function isTrainable(ex: Pick<TokenizedExample, 'labels'>): boolean {
  for (let j = 1; j < ex.labels.length; j++) if (ex.labels[j] !== kIgnoreIndex) return true;
  return false;
}

export interface PreparedDataset {
  /** Trainable examples, in dataset order. */
  examples: TokenizedExample[];
  /** Valid rows that will not train, with why (row order). */
  excluded: { line: number; reason: string }[];
  /** Token statistics over every valid row. */
  stats: TokenStats;
}

export interface PrepareOptions {
  maxLength: number;
  onProgress?: (done: number, total: number) => void;
}

/** Tokenizes one example and says whether it trains (never throws: a template error excludes it). */
export function prepareExample(
  tok: Tokenizer,
  template: ChatTemplate,
  example: Example,
  maxLength: number,
): { example: TokenizedExample } | { line: number; error: string } {
  try {
    return { example: tokenizeExample(tok, template, example, { maxLength }) };
  } catch (e) {
    return {
      line: example.line,
      error: `the chat template failed: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

export function prepareDataset(
  tok: Tokenizer,
  template: ChatTemplate,
  examples: readonly Example[],
  opts: PrepareOptions,
): PreparedDataset {
  const out: TokenizedExample[] = [];
  const excluded: PreparedDataset['excluded'] = [];
  const counts: TokenCountsOrFailure[] = [];
  examples.forEach((ex, i) => {
    const r = prepareExample(tok, template, ex, opts.maxLength);
    if ('error' in r) {
      excluded.push({ line: r.line, reason: r.error });
      counts.push(r);
    } else {
      counts.push(tokenCounts(r.example));
      if (r.example.excluded !== undefined)
        excluded.push({ line: ex.line, reason: r.example.excluded });
      else out.push(r.example);
    }
    if (opts.onProgress && (i % 256 === 255 || i === examples.length - 1)) {
      opts.onProgress(i + 1, examples.length);
    }
  });
  return { examples: out, excluded, stats: tokenStats(counts, opts.maxLength) };
}
