// After a GPU device loss, without a page reload: engineState.ts `deviceLost` forgot the engine,
// the model and the run (all on the lost device); here the worker opens a new device by loading
// the same model again (same files or Hub repo, template and date, under the UI's job number so
// the Model step shows it loading and ready), announces the saved run, and resumes it from its
// last checkpoint when it was training (deviceLost decides: a run lost again before saving any
// new checkpoint is only offered, so a GPU that keeps failing does not loop).
import type { DeviceLoss, Loaded } from './engineState.ts';

export interface RecoveryHooks {
  loadModel(loaded: Loaded): Promise<void>;
  announceSaved(): Promise<void>;
  /** True when the model is loaded again and nothing else took the GPU meanwhile. */
  canResume(): boolean;
  resume(note: string): Promise<void>;
}

export async function recoverFromLoss(loss: DeviceLoss, hooks: RecoveryHooks): Promise<void> {
  if (loss.model) await hooks.loadModel(loss.model);
  await hooks.announceSaved();
  if (loss.resume && hooks.canResume()) {
    const what = loss.failure.message.replace(/^./, (c) => c.toUpperCase());
    await hooks.resume(
      `${what}. The studio opened a new GPU device, loaded the model again and resumed the run from its last checkpoint.`,
    );
  }
}
