// The overfitting watch of a run with an eval split: it keeps track of the best eval loss (the
// engine keeps that step's adapter), says so when the eval loss has risen for `warnAfter`
// evaluations in a row while the training loss fell (the classic overfitting picture), and with a
// patience set stops the run when the eval loss has not improved on its best for that many
// evaluations (transformers' EarlyStoppingCallback semantics).
export interface WatchVerdict {
  best: boolean;
  /** Evaluations in a row where the eval loss rose while the mean training loss fell. */
  risingWhileTrainFalls: number;
  /** Set once per streak, when it reaches `warnAfter`. */
  warning: string | null;
  /** Set when the run should stop early. */
  stop: string | null;
}

export class OverfitWatch {
  private stepLosses: number[] = [];
  private prevTrain: number | null = null;
  private prevEval: number | null = null;
  private bestEval = Infinity;
  private sinceBest = 0;
  private streak = 0;

  constructor(
    private readonly patience: number,
    private readonly warnAfter = 2,
  ) {}

  get best(): number {
    return this.bestEval;
  }

  onStep(loss: number | null): void {
    if (loss !== null && Number.isFinite(loss)) this.stepLosses.push(loss);
  }

  onEval(evalLoss: number, step: number): WatchVerdict {
    const train = this.stepLosses.length
      ? this.stepLosses.reduce((a, b) => a + b, 0) / this.stepLosses.length
      : null;
    this.stepLosses = [];
    const best = Number.isFinite(evalLoss) && evalLoss < this.bestEval;
    if (best) {
      this.bestEval = evalLoss;
      this.sinceBest = 0;
    } else this.sinceBest++;
    const rose = this.prevEval !== null && evalLoss > this.prevEval;
    const trainFell = train !== null && this.prevTrain !== null && train < this.prevTrain;
    this.streak = rose && trainFell ? this.streak + 1 : 0;
    this.prevEval = evalLoss;
    if (train !== null) this.prevTrain = train;
    const warning =
      this.streak === this.warnAfter
        ? `Step ${step}: the eval loss has risen for ${this.streak} evaluations in a row while the ` +
          `training loss fell: the model is starting to overfit (best eval loss ${this.bestEval.toFixed(4)}). ` +
          'Fewer epochs, a lower learning rate or more data help; the best checkpoint is kept.'
        : null;
    const stop =
      this.patience > 0 && this.sinceBest >= this.patience
        ? `Stopped early at step ${step}: the eval loss has not improved on ${this.bestEval.toFixed(4)} ` +
          `for ${this.sinceBest} evaluations (early-stopping patience ${this.patience}).`
        : null;
    return { best, risingWhileTrainFalls: this.streak, warning, stop };
  }
}
