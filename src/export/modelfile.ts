// The Ollama Modelfile that goes beside an exported GGUF (https://github.com/ollama/ollama,
// docs/modelfile.md): FROM the model file, ADAPTER the LoRA GGUF when the adapter is exported
// alone, the chat template's stop tokens as PARAMETER stop. Ollama reads the chat template from
// the GGUF's tokenizer.chat_template itself, so no TEMPLATE is written.

export interface ModelfileOptions {
  /** The GGUF model file, relative to the Modelfile (or the base model's name in Ollama). */
  from: string;
  /** A LoRA GGUF applied on top, relative to the Modelfile. */
  adapter?: string;
  /** Stop strings (the end-of-turn and end-of-sequence tokens). */
  stop?: string[];
  /** A line saying what this is. */
  comment?: string;
}

const quote = (s: string) => JSON.stringify(s);
/** A file path as Ollama's parser reads it: `./name` relative to the Modelfile, quoted only with spaces. */
const path = (p: string) => {
  const rel = p.startsWith('.') || p.startsWith('/') ? p : `./${p}`;
  return /\s/.test(rel) ? quote(rel) : rel;
};

export function modelfile(o: ModelfileOptions): string {
  const lines: string[] = [];
  if (o.comment) for (const l of o.comment.split('\n')) lines.push(`# ${l}`);
  lines.push(`FROM ${path(o.from)}`);
  if (o.adapter) lines.push(`ADAPTER ${path(o.adapter)}`);
  for (const s of [...new Set(o.stop ?? [])]) lines.push(`PARAMETER stop ${quote(s)}`);
  return lines.join('\n') + '\n';
}
