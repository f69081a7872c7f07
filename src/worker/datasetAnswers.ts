// What the dataset worker answers from the tokenized dataset: one example's tokens for the preview,
// the curated set for training (`take-examples`), and the trained examples' token lengths for the
// run plan. The preview and the trainer read the same token arrays, so what the preview shows is
// what trains. Reads datasetState.ts's state, changes nothing.
import type { ExampleSet } from '../data/index.ts';
import { curatedSet } from './curationOutput.ts';
import { state } from './datasetState.ts';
import { tokenDetail } from './pieces.ts';
import type { CurationRecord, ExampleDetail } from './protocol.ts';
import { flagList, tokenColumns } from './summary.ts';

/** Row `line`'s tokens, labels and pieces; null before the dataset is tokenized. Throws the
 * template's message when this row could not be tokenized. */
export function exampleDetail(line: number): ExampleDetail | null {
  const { dataset, tokenizer } = state;
  const tokenized = dataset?.tokenized;
  if (!dataset || !tokenizer || !tokenized) return null;
  const index = dataset.byLine.get(line);
  if (index === undefined) return null;
  const at = tokenized.setIndex[index];
  const counts = tokenized.counts[index];
  if (at < 0) {
    throw new Error('error' in counts ? counts.error : 'this example could not be tokenized');
  }
  // The very tokens training gets (the same arrays `take-examples` hands to the engine).
  const t = tokenized.set.at(at);
  const flags = tokenColumns([dataset.examples[index]], dataset.facts, [counts]).flags[0];
  const decode = (ids: number[]) => tokenizer.tokenizer.decode(ids);
  return tokenDetail(line, dataset.examples[index].format, t, decode, flagList(flags));
}

/** The curated tokenized dataset for training (dropped rows out, edits and rows written by hand
 * in): a transferable copy, with the tokenization's fingerprint and the curation record. */
export function takeExamples(): { name: string; set: ExampleSet; curation: CurationRecord } {
  const d = state.dataset;
  if (!d) throw new Error('Choose a dataset first (Dataset step).');
  if (!d.tokenized) throw new Error('The dataset is still being tokenized: wait for it to finish.');
  if (d.tokenized.fingerprint === null) {
    throw new Error(
      "The dataset was tokenized with the Model step's tokenizer, not the loaded model's: load the model, wait for the preview to re-tokenize, then start.",
    );
  }
  return { name: d.name, ...curatedSet(d, d.tokenized.fingerprint) };
}

/** Token lengths of the trainable examples (what the run plan needs). */
export function trainableLengths(): number[] {
  const d = state.dataset;
  if (!d?.tokenized) return [];
  const { set } = curatedSet(d, ''); // the curated rows: what trains
  const out: number[] = [];
  for (let i = 0; i < set.count; i++) {
    const a = set.offsets[i];
    const b = set.offsets[i + 1];
    let trained = false;
    for (let j = a + 1; j < b && !trained; j++) trained = (set.marks[j] & 0x80) !== 0;
    if (trained) out.push(b - a);
  }
  return out;
}
