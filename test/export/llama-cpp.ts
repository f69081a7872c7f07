// llama.cpp itself, through the npm package node-llama-cpp (its prebuilt CPU binaries), for the
// GGUF tests: load a file, tokenize as llama.cpp does, and get the next-token log-probabilities at
// every position of a prompt (optionally with LoRA GGUF adapters). Contexts stay tiny (64 tokens,
// one thread): the machine is shared.
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';

let llama: Promise<Llama> | null = null;

/** The CPU build of llama.cpp (never compiled here: the prebuilt binary or a failure). */
export function cpuLlama(): Promise<Llama> {
  llama ??= getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  return llama;
}

export async function loadGguf(path: string): Promise<LlamaModel> {
  return (await cpuLlama()).loadModel({ modelPath: path, gpuLayers: 0 });
}

/** llama.cpp's tokenization of `text` (special tokens parsed; no BOS added). */
export function llamaTokenize(model: LlamaModel, text: string): number[] {
  return model.tokenize(text, true).map(Number);
}

/**
 * Log-probabilities of the next token after each prefix of `ids` ([T][V]), from llama.cpp's own
 * softmax at temperature 1 with no truncation, renormalized in f64.
 */
export async function llamaLogProbs(
  model: LlamaModel,
  ids: number[],
  vocab: number,
  lora?: { path: string; scale?: number },
): Promise<Float64Array[]> {
  const context = await model.createContext({
    contextSize: 64,
    threads: 1,
    batchSize: 64,
    // F32 KV cache and no flash attention: llama.cpp's CPU flash attention works in F16 and alone
    // moves log-probabilities by ~1e-3, which would hide what the file itself gets right.
    experimentalKvCacheKeyType: 'F32',
    experimentalKvCacheValueType: 'F32',
    flashAttention: false,
    ...(lora ? { lora: { adapters: [{ filePath: lora.path, scale: lora.scale ?? 1 }] } } : {}),
  });
  try {
    const seq = context.getSequence();
    const out = await seq.controlledEvaluate(
      ids.map((t) => [
        t as never,
        {
          generateNext: {
            probabilities: true,
            options: { temperature: 1, topK: 0, topP: 1, minP: 0 },
          },
        },
      ]),
    );
    return out.map((o, i) => {
      const probs = o?.next.probabilities;
      if (!probs) throw new Error(`llama.cpp gave no probabilities at position ${i}`);
      // node-llama-cpp normalizes with a float32 sum over the whole vocabulary; renormalize in f64.
      let sum = 0;
      for (const p of probs.values()) sum += p;
      const lp = new Float64Array(vocab).fill(-Infinity);
      for (const [tok, p] of probs) lp[Number(tok)] = Math.log(p / sum);
      return lp;
    });
  } finally {
    await context.dispose();
  }
}
