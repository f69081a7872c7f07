// An example as a question with a known answer, for comparing models on a dataset: the prompt is
// the conversation up to its last assistant turn (what the model sees, the template's generation
// prompt added by the caller), the reference is that turn's content. Examples without an assistant
// turn (plain `text`) have no reference.
import type { Example, Message } from './types';

export interface PromptWithReference {
  line: number;
  messages: Message[];
  reference: string;
}

export function promptAndReference(ex: Example): PromptWithReference | null {
  let last = -1;
  ex.messages.forEach((m, i) => {
    if (m.role === 'assistant') last = i;
  });
  if (last < 0) return null;
  return {
    line: ex.line,
    messages: ex.messages.slice(0, last),
    reference: ex.messages[last].content,
  };
}
