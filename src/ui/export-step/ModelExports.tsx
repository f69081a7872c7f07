// The exports beside the adapter: the merged model (a Hugging Face folder, in the dtype picked),
// the merged model as GGUF (in the type picked) with its Ollama Modelfile, the adapter as a
// llama.cpp LoRA GGUF, and the TRL project. The first three need a trained adapter (the one the
// Export step's Adapter choice picks); the TRL project needs only the loaded model and the
// tokenized dataset, with the Train form's settings: it is the way to run on GPUs elsewhere what
// does not fit here.
import { useMemo, useState } from 'react';
import type { ExportOptions, GgufType, MergeDtype } from '../../worker/engineProtocol.ts';
import { useStudioShallow } from '../store/index.ts';
import { ExportCard } from './ExportCard.tsx';

const kDtypes: { value: MergeDtype | ''; label: string }[] = [
  { value: '', label: 'As the base' },
  { value: 'F32', label: 'float32' },
  { value: 'BF16', label: 'bfloat16' },
  { value: 'F16', label: 'float16' },
];
const kGgufTypes: { value: GgufType; label: string }[] = [
  { value: 'F16', label: 'F16' },
  { value: 'BF16', label: 'BF16' },
  { value: 'Q8_0', label: 'Q8_0 (8-bit)' },
  { value: 'F32', label: 'F32' },
];

function Choice<T extends string>(p: {
  id: string;
  label: string;
  value: T;
  items: { value: T; label: string }[];
  onChange: (v: T) => void;
}) {
  return (
    <div className="field export-choice">
      <label htmlFor={p.id}>{p.label}</label>
      <select
        id={p.id}
        className="select"
        data-testid={p.id}
        value={p.value}
        onChange={(e) => p.onChange(e.target.value as T)}
      >
        {p.items.map((it) => (
          <option key={it.value} value={it.value}>
            {it.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function ModelExports({ visible, trained }: { visible: boolean; trained: boolean }) {
  const s = useStudioShallow((st) => ({
    which: st.exported.which,
    step: st.train.step,
    modelReady: st.engine.model.status === 'ready',
    modelJob: st.engine.model.job,
    datasetReady: st.dataset.status === 'ready',
    datasetJob: st.dataset.job,
    settings: st.train.settings,
    template: st.model.template,
    date: st.model.date,
  }));
  const [dtype, setDtype] = useState<MergeDtype | ''>('');
  const [ggufType, setGgufType] = useState<GgufType>('F16');
  const opts = useMemo(() => {
    const of = (kind: ExportOptions['kind']): ExportOptions => ({
      kind,
      which: s.which,
      dtype: dtype || null,
      ggufType,
    });
    return { merged: of('merged'), gguf: of('gguf'), lora: of('lora-gguf'), trl: of('trl') };
  }, [s.which, dtype, ggufType]);

  const adapterReady = trained && s.modelReady;
  const needAdapter = s.modelReady
    ? 'Train an adapter first (Train step), or pause the run: it is built from its weights.'
    : 'Load the model (Model step) and train an adapter first.';
  const runKey = `${s.modelJob}|${s.step}|${s.which}`;
  const trlKey = JSON.stringify([s.modelJob, s.datasetJob, s.settings, s.template, s.date]);
  return (
    <>
      <ExportCard
        kind="merged"
        title="Merged model"
        what="The base with the adapter folded in (W + s·B·A, in f32), as a Hugging Face model folder: config, safetensors, tokenizer, generation config, card."
        options={opts.merged}
        ready={adapterReady}
        notReady={needAdapter}
        measureKey={`${runKey}|${dtype}`}
        visible={visible}
        controls={
          <Choice
            id="export-merged-dtype"
            label="dtype"
            value={dtype}
            items={kDtypes}
            onChange={setDtype}
          />
        }
      />
      <ExportCard
        kind="gguf"
        title="GGUF for llama.cpp and Ollama"
        what="The merged model as one GGUF file (with the tokenizer and chat template), and the Ollama Modelfile to put beside it."
        options={opts.gguf}
        ready={adapterReady}
        notReady={needAdapter}
        measureKey={`${runKey}|${ggufType}`}
        visible={visible}
        controls={
          <Choice
            id="export-gguf-type"
            label="Type"
            value={ggufType}
            items={kGgufTypes}
            onChange={setGgufType}
          />
        }
      />
      <ExportCard
        kind="lora-gguf"
        title="LoRA GGUF"
        what="The adapter alone for llama.cpp's --lora and Ollama's ADAPTER, on top of the base model's GGUF."
        options={opts.lora}
        ready={adapterReady}
        notReady={needAdapter}
        measureKey={runKey}
        visible={visible}
      />
      <ExportCard
        kind="trl"
        title="TRL project"
        what="The same run for GPUs elsewhere: the tokenized dataset with its loss masks, train.py (TRL SFTTrainer + PEFT), accelerate configs (DDP, FSDP), pinned requirements, README."
        options={opts.trl}
        ready={s.modelReady && s.datasetReady}
        notReady="Load the model (Model step) and a dataset (Dataset step): the project holds the dataset as tokenized with the model."
        measureKey={trlKey}
        visible={visible}
      />
    </>
  );
}
