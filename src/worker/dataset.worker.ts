// The dataset worker: holds the dataset the user picked and answers the UI about it, off the main
// thread so a 100 MB / 100k-line file never freezes the page. This file is its message loop: each
// request goes to the part that does that job. Reading (any file kind, a sample URL, a Hub split;
// optionally through a column mapping), then tokenizing, then the quality lint: datasetLoad.ts.
// Tokenizing with the chosen tokenizer and chat template (on sub-workers for a big set):
// datasetTokenize.ts; the tokenizer, template and settings: datasetTokenizer.ts. One example's
// tokens for the preview, the tokenized set for training and the run plan's lengths:
// datasetAnswers.ts (the preview and the trainer read the same token arrays, so what the preview
// shows is what trains). Curation steps: curationRequests.ts; the Hub picker's look-up:
// datasetLookup.ts; the Try step's prompts: datasetPrompts.ts. State and what stops stale work
// (epoch, newest jobs): datasetState.ts.
import { exampleSetBuffers } from '../data/index.ts';
import { planRun } from '../engine/index.ts';
import { handleCuration, sendExampleCuration } from './curationRequests.ts';
import { exampleDetail, takeExamples, trainableLengths } from './datasetAnswers.ts';
import { keptRows } from './datasetCuration.ts';
import { cancelDataset, loadDataset } from './datasetLoad.ts';
import { lookUp } from './datasetLookup.ts';
import { promptsFor } from './datasetPrompts.ts';
import { errorMessage, send, state } from './datasetState.ts';
import { tokenizeDataset } from './datasetTokenize.ts';
import { configure, loadTokenizer } from './datasetTokenizer.ts';
import type { WorkerRequest } from './protocol.ts';

async function handle(msg: WorkerRequest): Promise<void> {
  switch (msg.kind) {
    case 'configure':
      return configure(msg.settings);
    case 'load-tokenizer':
      return loadTokenizer(msg);
    case 'load-dataset':
      return loadDataset(msg.job, msg.input, msg.mapping ?? null);
    case 'cancel-dataset':
      return cancelDataset(msg.job);
    case 'hub-lookup':
      return lookUp(msg.job, msg.repo, msg.endpoint, msg.token);
    case 'get-example': {
      try {
        sendExampleCuration(state.dataset, msg.line);
        const detail = exampleDetail(msg.line);
        if (detail) send({ kind: 'example-detail', detail });
      } catch (err) {
        send({ kind: 'example-failed', line: msg.line, message: errorMessage(err) });
      }
      return;
    }
    case 'take-examples': {
      try {
        const { name, set, curation } = takeExamples();
        send(
          { kind: 'examples', job: msg.job, name, examples: set, curation },
          exampleSetBuffers(set),
        );
      } catch (err) {
        send({ kind: 'examples-failed', job: msg.job, message: errorMessage(err) });
      }
      return;
    }
    case 'plan-run': {
      send({ kind: 'run-plan', job: msg.job, plan: planRun(trainableLengths(), msg.settings) });
      return;
    }
    case 'take-prompts': {
      try {
        const d = state.dataset;
        if (!d) throw new Error('Choose a dataset first (Dataset step).');
        send({ kind: 'prompts', job: msg.job, items: promptsFor(...keptRows(d), msg.pick) });
      } catch (err) {
        send({ kind: 'prompts-failed', job: msg.job, message: errorMessage(err) });
      }
      return;
    }
    case 'curate':
    case 'preview-draft':
    case 'export-curated':
      return handleCuration(state, msg, tokenizeDataset);
    default: {
      const never: never = msg;
      throw new Error(`unknown request ${JSON.stringify(never)}`);
    }
  }
}

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  void handle(e.data);
};
