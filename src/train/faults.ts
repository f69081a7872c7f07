// The fault-injection hook: the one named place where a test (or a curious user) makes a training
// run meet the GPU failures that real machines have, so that the paths that handle them are
// exercised end to end instead of written and never run. It is product code on purpose: a run
// without a plan takes none of these branches.
//
// A FaultPlan names 1-based optimizer steps (the run's global step numbers, so a run resumed past
// a step never meets its fault):
//   loseDeviceAtStep  the GPUDevice is destroyed in the middle of that step, after its first
//                     micro-batch's forward pass is submitted and before its backward is recorded,
//                     so work is in flight. The run stops with a DeviceLostError ('device-lost').
//   oomAtStep         that step allocates a buffer of the adapter's maxBufferSize inside the step's
//                     out-of-memory error scope (SwiftShader really fails it); where the device can
//                     hold it, the scope's answer is replaced by a GPUOutOfMemoryError. Either way
//                     the run stops as for a real out-of-memory error ('out-of-memory').
//   nanAtSteps        after the backward of each of these steps, NaN is written into the first
//                     LoRA gradient, as a diverging kernel would leave it: the optimizer's guard
//                     skips the update (adapter and AdamW state unchanged), the host gets a
//                     'skipped' event, and too many such steps in a row stop the run ('diverged').
//
// Hosts pass it as `faults` in the engine's TrainOptions. The CLI reads it from the environment:
//   SFT_STUDIO_FAULTS='lose-device@5,oom@3,nan@4,nan@6-10'
// (`nan@A-B` is every step from A to B). parseFaultPlan() reads that syntax for any host.

/** Faults to inject into a training run (see the header). */
export interface FaultPlan {
  loseDeviceAtStep?: number;
  oomAtStep?: number;
  nanAtSteps?: readonly number[];
}

/** The environment variable the CLI reads a FaultPlan from. */
export const kFaultEnv = 'SFT_STUDIO_FAULTS';

export class FaultPlanError extends Error {
  constructor(spec: string, detail: string) {
    super(
      `${kFaultEnv}="${spec}": ${detail}. Write faults as lose-device@STEP, oom@STEP, nan@STEP ` +
        `or nan@FIRST-LAST, separated by commas.`,
    );
    this.name = 'FaultPlanError';
  }
}

/** Reads 'lose-device@5,oom@3,nan@4,nan@6-10' (an empty string is no fault). */
export function parseFaultPlan(spec: string): FaultPlan {
  const plan: FaultPlan = {};
  const nan: number[] = [];
  const step = (s: string, item: string) => {
    if (!/^\d+$/.test(s) || Number(s) < 1) {
      throw new FaultPlanError(spec, `"${item}" needs a step number of 1 or more`);
    }
    return Number(s);
  };
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const m = /^([a-z-]+)@(.+)$/.exec(item);
    if (!m) throw new FaultPlanError(spec, `"${item}" is not NAME@STEP`);
    const [, name, at] = m;
    if (name === 'lose-device') plan.loseDeviceAtStep = step(at, item);
    else if (name === 'oom') plan.oomAtStep = step(at, item);
    else if (name === 'nan') {
      const [first, last = first] = at.split('-');
      const a = step(first, item);
      const b = step(last, item);
      if (b < a) throw new FaultPlanError(spec, `"${item}" ends before it starts`);
      for (let s = a; s <= b; s++) nan.push(s);
    } else throw new FaultPlanError(spec, `unknown fault "${name}"`);
  }
  if (nan.length > 0) plan.nanAtSteps = nan;
  return plan;
}

/** The plan written back in parseFaultPlan's syntax (for log lines). */
export function describeFaultPlan(plan: FaultPlan): string {
  const parts: string[] = [];
  if (plan.loseDeviceAtStep) parts.push(`lose-device@${plan.loseDeviceAtStep}`);
  if (plan.oomAtStep) parts.push(`oom@${plan.oomAtStep}`);
  for (const s of plan.nanAtSteps ?? []) parts.push(`nan@${s}`);
  return parts.join(',');
}

export function hasFaults(plan: FaultPlan | undefined): plan is FaultPlan {
  return !!plan && describeFaultPlan(plan) !== '';
}
