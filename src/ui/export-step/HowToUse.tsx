// "How to use it": the few commands that run each export in the tool it is made for, with the
// export's own file names: transformers for the merged folder, llama.cpp and Ollama for the GGUF
// files, accelerate for the TRL project. (The adapter's PEFT snippet is the Export panel's own.)
import { useState } from 'react';
import type { ExportKind, ExportMeasure } from '../../worker/engineProtocol.ts';

/** The commands for export `kind`, named after what it writes (`m`, once measured). */
const kPlaceholder: Record<ExportKind, string> = {
  merged: 'model-merged.zip',
  gguf: 'model.gguf',
  'lora-gguf': 'model-lora.gguf',
  trl: 'model-trl-project.zip',
};

export function howToUse(kind: ExportKind, m: ExportMeasure | null): string {
  const name = m?.name ?? kPlaceholder[kind];
  const folder = name.replace(/\.zip$/, '');
  switch (kind) {
    case 'merged':
      return `# Unzip ${name} into ./${folder} (or pick a folder with "Save to folder…"), then:
from transformers import AutoModelForCausalLM, AutoTokenizer

model = AutoModelForCausalLM.from_pretrained("./${folder}", torch_dtype="auto")
tokenizer = AutoTokenizer.from_pretrained("./${folder}")
# Also loads as it is in vLLM:  vllm serve ./${folder}`;
    case 'gguf':
      return `# llama.cpp
llama-cli -m ${name} -cnv
# Ollama: save the Modelfile next to ${name}, then
ollama create my-model -f Modelfile
ollama run my-model`;
    case 'lora-gguf':
      return `# llama.cpp: the base model as GGUF (e.g. sft-studio export-gguf --model BASE --out base.gguf)
llama-cli -m base.gguf --lora ${name} -cnv
# Ollama: the Modelfile says FROM ./base.gguf and ADAPTER ./${name}
ollama create my-model -f Modelfile`;
    case 'trl':
      return `unzip ${name} -d ${folder} && cd ${folder}
pip install -r requirements.txt
accelerate launch --config_file accelerate/ddp.yaml train.py
# A model too big for one GPU: --config_file accelerate/fsdp.yaml
# The adapter lands in output/adapter (PEFT); load it back in the studio.`;
  }
}

export function HowToUse({ kind, measure }: { kind: ExportKind; measure: ExportMeasure | null }) {
  const [copied, setCopied] = useState(false);
  const text = howToUse(kind, measure);
  return (
    <div className="export-howto">
      <div className="export-howto-head">
        <span className="field-label">How to use it</span>
        <button
          type="button"
          className="btn btn-sm btn-ghost"
          onClick={() => {
            void navigator.clipboard?.writeText(text).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <pre className="code-block" data-testid={`howto-${kind}`}>
        {text}
      </pre>
    </div>
  );
}
