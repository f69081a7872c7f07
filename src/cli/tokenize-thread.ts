// One tokenizing worker thread of the CLI (tokenize-threads.ts starts it): builds the tokenizer
// from the model's tokenizer.json + tokenizer_config.json text and the chat template the main
// thread resolved, then answers chunks of examples with `tokenizeAll`, exactly what the main thread
// would run (src/data/tokenize-pool.ts `servePool`). It imports the few src/data modules it needs,
// not the barrel, to start faster.
import { parentPort } from 'node:worker_threads';
import { tokenizeAll } from '../data/masking.ts';
import { resolveTemplate } from '../data/templates.ts';
import { tokenizerFromFiles } from '../data/tokenizer.ts';
import { servePool, type PoolRequest } from '../data/tokenize-pool.ts';
import type { Example } from '../data/types.ts';

/** What a thread needs to tokenize as the main thread does. */
export interface ThreadInit {
  json: string;
  config: string;
  name: string;
  /** The main thread's ChatTemplate: its name, Jinja text and pinned date. */
  templateName: string;
  templateText: string;
  date: string;
  maxLength: number;
}

class ThreadTemplateMismatchError extends Error {
  constructor(name: string) {
    super(
      `the worker thread resolved chat template "${name}" to another text than the main thread`,
    );
    this.name = 'ThreadTemplateMismatchError';
  }
}

async function build(init: ThreadInit) {
  const tok = tokenizerFromFiles(init.json, init.config, init.name);
  // Resolve by name as the main thread did (a custom template by its text), then make sure it is
  // the very same template: rendering depends only on the text, the date and the tokenizer.
  const override = init.templateName === 'custom' ? init.templateText : init.templateName;
  const template = resolveTemplate(tok, { override, date: init.date });
  if (template.template !== init.templateText || template.date !== init.date) {
    throw new ThreadTemplateMismatchError(init.templateName);
  }
  return (examples: Example[]) =>
    tokenizeAll(tok, template, examples, { maxLength: init.maxLength });
}

const port = parentPort;
if (port) {
  const serve = servePool<ThreadInit>((msg, transfer) => port.postMessage(msg, transfer), build);
  port.on('message', (msg: PoolRequest<ThreadInit>) => serve(msg));
}
