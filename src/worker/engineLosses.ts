// The loss heat view's numbers in the engine worker: one example of the dataset (its tokens as the
// preview shows them, which are the run's) through the base model and the tuned model, each
// trained token's next-token loss (engine.evaluate with perToken), so the preview can color the
// tokens by loss and show where tuning helped.
import type { TokenizedExample } from '../data/index.ts';
import { toFailure, type LoraWeights } from '../engine/index.ts';
import { adapterOf, idleRun } from './engineSets.ts';
import { needEngine, send, st } from './engineState.ts';
import type { AdapterChoice, TokenLossExample } from './engineProtocol.ts';

export async function tokenLosses(
  job: number,
  ex: TokenLossExample,
  which: AdapterChoice,
): Promise<void> {
  try {
    const run = idleRun();
    const model = st.loaded!.model;
    const e = await needEngine();
    const example: TokenizedExample = {
      ...ex,
      fullLength: ex.inputIds.length,
      truncatedTrainedTokens: 0,
    };
    const maxLength = Math.max(ex.inputIds.length, run.training.settings.maxLength);
    const one = async (adapter: LoraWeights | null) => {
      const r = await e.evaluate(model, {
        adapter,
        examples: [example],
        maxLength,
        perToken: true,
      });
      return r.perToken?.[0]?.losses ?? [];
    };
    const base = await one(null);
    const tuned = await one(await adapterOf(run, which));
    send({ kind: 'token-losses', job, line: ex.line, base, tuned });
  } catch (err) {
    send({ kind: 'token-losses-failed', job, line: ex.line, failure: toFailure(err) });
  }
}
