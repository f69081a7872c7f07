// The evaluation requests of the Try step and the token preview (a module, not a component): the
// prompt set (its prompts from the dataset worker or the pasted questions, then base and tuned
// answers from the engine worker, cancellable), one example's per-token losses for the loss heat
// view, and every example's mean loss for the example browser's hardest-first sort. They post through
// the workers' channels (datasetChannel.ts, engineChannel.ts); their replies come back through the
// engine bridge's event dispatcher into the store.
import type { PromptItem, TokenLossExample } from '../worker/engineProtocol.ts';
import { takeExamples, takePrompts } from './datasetChannel.ts';
import { exampleSetTransfer, newJob, post, usable } from './engineChannel.ts';
import { useStudio } from './store/index.ts';
import { parseQuestions } from './try-step/setTable.ts';

/** The prompt set the Try step's source names: the held-out rows (at most N; without an eval split,
 * the first N examples), the first N examples, or the pasted questions. */
async function promptSetItems(): Promise<PromptItem[]> {
  const s = useStudio.getState();
  const ps = s.promptSet;
  if (ps.source === 'questions') {
    const qs = parseQuestions(ps.questions);
    if (qs.length === 0) throw new Error('Paste at least one question, one per line.');
    return qs.map((q) => ({
      line: q.line,
      messages: [{ role: 'user', content: q.question }],
      reference: null,
    }));
  }
  const held = s.train.info?.evalLines ?? [];
  const first = Math.max(1, Math.floor(ps.first));
  return takePrompts(
    ps.source === 'eval' && held.length > 0 ? { lines: held.slice(0, first) } : { first },
  );
}

/** Base and tuned answer the prompt set (same sampling settings and seed), streamed row by row. */
export async function runPromptSet(): Promise<void> {
  const job = newJob();
  useStudio.getState().setLoading(job);
  let items: PromptItem[];
  try {
    items = await promptSetItems();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    useStudio.getState().setFailed(job, {
      kind: 'bad-input',
      message,
      hint: 'Load the dataset the run trained on (Dataset step), or paste questions.',
    });
    return;
  }
  const s = useStudio.getState();
  s.setStarted(job, items);
  post({
    kind: 'generate-set',
    job,
    items,
    sampling: s.tryout.sampling,
    which: usable(s.tryout.which),
  });
}

/** Per-token losses of the previewed example, base and tuned (the loss heat view). */
export function requestTokenLosses(example: TokenLossExample): void {
  const job = newJob();
  const s = useStudio.getState();
  s.lossRequested(job, example.line);
  const { line, inputIds, labels, roles } = example;
  post({
    kind: 'token-losses',
    job,
    example: { line, inputIds, labels, roles },
    which: usable(s.tryout.which),
  });
}

/** Every trainable example's mean loss, base and tuned (the example browser's hardest-first sort),
 * over the very tokens training gets (the dataset worker's tokenized set). */
export async function runExampleLosses(): Promise<void> {
  const job = newJob();
  const s = useStudio.getState();
  s.exampleLossStarted(job, s.dataset.table);
  try {
    const { examples } = await takeExamples();
    post(
      { kind: 'example-losses', job, examples, which: usable(s.tryout.which) },
      exampleSetTransfer(examples),
    );
  } catch (e) {
    useStudio.getState().exampleLossFailed(job, {
      kind: 'bad-input',
      message: e instanceof Error ? e.message : String(e),
      hint: 'Wait for the dataset to finish tokenizing with the model, then try again.',
    });
  }
}

export function cancelExampleLosses(): void {
  post({ kind: 'cancel-example-losses', job: useStudio.getState().exampleLoss.job });
}

export function cancelPromptSet(): void {
  post({ kind: 'cancel-set', job: useStudio.getState().promptSet.job });
}
