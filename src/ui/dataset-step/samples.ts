// The sample datasets shipped in public/samples/, fetched by URL (never imported).
export interface Sample {
  id: string;
  title: string;
  description: string;
  file: string;
  format: string;
  language: string;
}

export const kSamples: Sample[] = [
  {
    id: 'chat',
    title: 'Multi-turn assistant',
    description: 'Follow-up questions, a system prompt on some, coding and everyday help.',
    file: 'chat-multiturn.jsonl',
    format: 'messages',
    language: 'English',
  },
  {
    id: 'alpaca',
    title: 'Instructions (Alpaca)',
    description: 'Single-turn tasks with optional input: rewrite, extract, classify, explain.',
    file: 'alpaca-instructions.jsonl',
    format: 'Alpaca',
    language: 'English',
  },
  {
    id: 'vi',
    title: 'Trợ lý tiếng Việt',
    description: 'Vietnamese conversations with full diacritics: everyday, culture, study.',
    file: 'vietnamese-chat.jsonl',
    format: 'messages',
    language: 'Tiếng Việt',
  },
  {
    id: 'sharegpt',
    title: 'Support chats (ShareGPT)',
    description: 'Customer-support style threads in the conversations/from/value layout.',
    file: 'sharegpt-support.jsonl',
    format: 'ShareGPT',
    language: 'English',
  },
  {
    id: 'dolly',
    title: 'Dolly-style instructions',
    description:
      'instruction / context / response columns, as databricks-dolly-15k: read as Alpaca, no mapping needed.',
    file: 'dolly-sample.jsonl',
    format: 'Dolly',
    language: 'English',
  },
];

export function sampleUrl(sample: Sample): string {
  return `${import.meta.env.BASE_URL}samples/${sample.file}`;
}
