// The training form: the engine's TrainSettings with its defaults (kDefaultSettings, the same the
// CLI starts from), each field with one line on what it does. Each input carries
// `data-testid="train-<field>"` so tests can set small runs.
import type { ReactNode } from 'react';
import type { TrainSettings } from '../../worker/engineProtocol.ts';
import { useStudio } from '../store/index.ts';

type NumKey = {
  [K in keyof TrainSettings]: TrainSettings[K] extends number ? K : never;
}[keyof TrainSettings];

interface NumField {
  key: NumKey;
  label: string;
  hint: string;
  step: number;
  min: number;
  max?: number;
  /** Shown value = stored × scale (percentages). */
  scale?: number;
  unit?: string;
}

const kLora: NumField[] = [
  {
    key: 'r',
    label: 'LoRA rank r',
    hint: 'Size of the low-rank update: higher learns more and uses more memory.',
    step: 1,
    min: 1,
    max: 256,
  },
  {
    key: 'alpha',
    label: 'LoRA alpha',
    hint: 'The update is scaled by alpha / r; 2 × r is the usual choice.',
    step: 1,
    min: 1,
  },
  {
    key: 'dropout',
    label: 'LoRA dropout',
    hint: 'Randomly drops inputs of the LoRA path while training: light regularisation.',
    step: 0.01,
    min: 0,
    max: 0.9,
  },
];

const kOptim: NumField[] = [
  {
    key: 'lr',
    label: 'Learning rate',
    hint: 'Peak AdamW step size; 1e-4 to 3e-4 is typical for LoRA.',
    step: 0.00005,
    min: 0,
  },
  {
    key: 'weightDecay',
    label: 'Weight decay',
    hint: 'AdamW pulls the LoRA weights toward 0 by this much each step (0: off).',
    step: 0.01,
    min: 0,
    max: 1,
  },
  {
    key: 'warmupRatio',
    label: 'Warmup',
    hint: 'Share of the steps over which the rate ramps up from 0.',
    step: 1,
    min: 0,
    max: 100,
    scale: 100,
    unit: '%',
  },
  {
    key: 'effectiveBatch',
    label: 'Effective batch',
    hint: 'Sequences per optimizer step, reached by gradient accumulation.',
    step: 1,
    min: 1,
  },
  {
    key: 'microBatch',
    label: 'Micro-batch',
    hint: 'Sequences per GPU pass; raise it only if memory allows.',
    step: 1,
    min: 1,
    max: 64,
  },
  {
    key: 'epochs',
    label: 'Epochs',
    hint: 'Passes over the training examples.',
    step: 1,
    min: 1,
    max: 100,
  },
  {
    key: 'maxSteps',
    label: 'Max steps',
    hint: 'Stop after this many optimizer steps (0: use the epochs).',
    step: 1,
    min: 0,
  },
];

const kData: NumField[] = [
  {
    key: 'maxLength',
    label: 'Max length',
    hint: 'Tokens per sequence; longer examples are cut at the end.',
    step: 64,
    min: 16,
    max: 32768,
    unit: 'tokens',
  },
  {
    key: 'evalSplit',
    label: 'Eval split',
    hint: 'Share of examples held out to measure the eval loss.',
    step: 1,
    min: 0,
    max: 50,
    scale: 100,
    unit: '%',
  },
  {
    key: 'evalEvery',
    label: 'Eval every',
    hint: 'Steps between eval-loss measurements (0: at the end only).',
    step: 1,
    min: 0,
    unit: 'steps',
  },
  {
    key: 'earlyStoppingPatience',
    label: 'Early-stopping patience',
    hint: 'Stop when the eval loss has not improved for this many evals (0: off).',
    step: 1,
    min: 0,
    unit: 'evals',
  },
  {
    key: 'checkpointEvery',
    label: 'Checkpoint every',
    hint: 'Saved in this browser, so a closed or reloaded tab can resume.',
    step: 1,
    min: 0,
    unit: 'steps',
  },
  { key: 'seed', label: 'Seed', hint: 'Same seed, same data order, same run.', step: 1, min: 0 },
];

function NumberInput({ f, disabled }: { f: NumField; disabled: boolean }) {
  const value = useStudio((s) => s.train.settings[f.key]);
  const set = useStudio((s) => s.setTrainSettings);
  const scale = f.scale ?? 1;
  const shown = Number((value * scale).toPrecision(6));
  return (
    <div className="tf-field">
      <label htmlFor={`train-${f.key}`}>{f.label}</label>
      <div className="tf-input">
        <input
          id={`train-${f.key}`}
          className="input num"
          type="number"
          data-testid={`train-${f.key}`}
          value={shown}
          step={f.step}
          min={f.min}
          max={f.max}
          disabled={disabled}
          onChange={(e) => {
            const v = Number(e.target.value);
            if (e.target.value !== '' && Number.isFinite(v)) set({ [f.key]: v / scale });
          }}
        />
        {f.unit && <span className="tf-unit">{f.unit}</span>}
      </div>
      <p className="tf-hint">{f.hint}</p>
    </div>
  );
}

function Group({
  title,
  fields,
  disabled,
  children,
  childrenAt,
  footer,
}: {
  title: string;
  fields: NumField[];
  disabled: boolean;
  children?: ReactNode;
  /** Where the extra fields go among the numeric ones (default: after them). */
  childrenAt?: number;
  footer?: ReactNode;
}) {
  const at = childrenAt ?? fields.length;
  return (
    <fieldset className="tf-group" disabled={disabled}>
      <legend>{title}</legend>
      {fields.slice(0, at).map((f) => (
        <NumberInput key={f.key} f={f} disabled={disabled} />
      ))}
      {children}
      {fields.slice(at).map((f) => (
        <NumberInput key={f.key} f={f} disabled={disabled} />
      ))}
      {footer}
    </fieldset>
  );
}

export function TrainForm({ disabled }: { disabled: boolean }) {
  const targets = useStudio((s) => s.train.settings.targets);
  const scheduler = useStudio((s) => s.train.settings.scheduler);
  const packing = useStudio((s) => s.train.settings.packing);
  const rslora = useStudio((s) => s.train.settings.useRslora);
  const checkpointing = useStudio((s) => s.train.settings.gradientCheckpointing);
  const effective = useStudio((s) => s.train.settings.effectiveBatch);
  const micro = useStudio((s) => s.train.settings.microBatch);
  const set = useStudio((s) => s.setTrainSettings);
  const reset = useStudio((s) => s.resetTrainSettings);
  const targetKey = targets === 'all-linear' ? 'all-linear' : targets.join(',');
  return (
    <div className="card train-form">
      <div className="card-head">
        <div>
          <h2>Hyperparameters</h2>
          <p>SFT defaults for LoRA; each field says what it changes.</p>
        </div>
        <button type="button" className="btn btn-sm btn-ghost" disabled={disabled} onClick={reset}>
          Reset defaults
        </button>
      </div>
      <div className="card-body tf-body">
        <Group title="Adapter" fields={kLora} disabled={disabled}>
          <div className="tf-field">
            <label htmlFor="train-targets">Target modules</label>
            <select
              id="train-targets"
              className="select"
              data-testid="train-targets"
              value={targetKey}
              onChange={(e) =>
                set({
                  targets:
                    e.target.value === 'all-linear' ? 'all-linear' : e.target.value.split(','),
                })
              }
            >
              <option value="all-linear">All linear</option>
              <option value="q_proj,k_proj,v_proj,o_proj">Attention</option>
              <option value="q_proj,v_proj">q, v only</option>
            </select>
            <p className="tf-hint">
              Which projections get an adapter: all seven (q, k, v, o, gate, up, down) learns best;
              attention is q, k, v, o.
            </p>
          </div>
          <label className="tf-check">
            <input
              type="checkbox"
              data-testid="train-useRslora"
              checked={rslora}
              onChange={(e) => set({ useRslora: e.target.checked })}
            />
            <span>
              <strong>rsLoRA</strong>
              <span className="tf-hint">
                Scales the update by alpha / √r instead of alpha / r: steadier at high ranks.
              </span>
            </span>
          </label>
        </Group>
        <Group
          title="Optimization"
          fields={kOptim}
          disabled={disabled}
          childrenAt={3}
          footer={
            <p className="tf-note num">
              {Math.max(1, Math.round(effective / Math.max(1, micro)))} accumulation step
              {Math.round(effective / Math.max(1, micro)) === 1 ? '' : 's'} of {micro} sequence
              {micro === 1 ? '' : 's'}
            </p>
          }
        >
          <div className="tf-field">
            <label htmlFor="train-scheduler">Schedule</label>
            <select
              id="train-scheduler"
              className="select"
              data-testid="train-scheduler"
              value={scheduler}
              onChange={(e) => set({ scheduler: e.target.value as TrainSettings['scheduler'] })}
            >
              <option value="cosine">Cosine</option>
              <option value="linear">Linear</option>
              <option value="constant">Constant</option>
            </select>
            <p className="tf-hint">How the rate decays after warmup (cosine: smoothly to 0).</p>
          </div>
        </Group>
        <Group title="Data and saving" fields={kData} disabled={disabled}>
          <label className="tf-check">
            <input
              type="checkbox"
              data-testid="train-packing"
              checked={packing}
              onChange={(e) => set({ packing: e.target.checked })}
            />
            <span>
              <strong>Packing</strong>
              <span className="tf-hint">
                Fills each row with several short examples that cannot see each other: far less
                padding.
              </span>
            </span>
          </label>
          <div className="tf-field">
            <label htmlFor="train-gradientCheckpointing">Gradient checkpointing</label>
            <select
              id="train-gradientCheckpointing"
              className="select"
              data-testid="train-gradientCheckpointing"
              value={String(checkpointing)}
              onChange={(e) =>
                set({
                  gradientCheckpointing:
                    e.target.value === 'auto' ? 'auto' : e.target.value === 'true',
                })
              }
            >
              <option value="auto">Auto</option>
              <option value="true">On</option>
              <option value="false">Off</option>
            </select>
            <p className="tf-hint">
              Recomputes each layer in the backward pass: less GPU memory, about a third slower.
              Auto keeps activations when that costs at most 1 GiB more.
            </p>
          </div>
        </Group>
      </div>
    </div>
  );
}
