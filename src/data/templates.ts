// Chat template resolution and rendering with @huggingface/jinja.
//
// Order: a user override (a built-in name, the name of one of the tokenizer's named templates, or
// a custom Jinja string) > the tokenizer's own `chat_template` > the first built-in whose tokens
// all exist in the tokenizer's vocabulary (ChatML, Llama-3, Mistral).
//
// Rendering is deterministic: `strftime_now` (Llama-3.1/3.2 print "Today Date") returns a pinned
// date, never the clock, so the same dataset always renders to the same tokens.
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import type { Tokenizer } from './tokenizer';
import type { Message } from './types';

export type BuiltinTemplateName = 'chatml' | 'llama3' | 'mistral';
export const kBuiltinTemplateNames: readonly BuiltinTemplateName[] = [
  'chatml',
  'llama3',
  'mistral',
];

/** The date `strftime_now` returns unless configured (Llama-3.1's own fallback date). */
export const kDefaultTemplateDate = '2024-07-26';

const kBuiltins: Record<
  BuiltinTemplateName,
  { tokens: string[]; needs: string[]; source: string }
> = {
  chatml: {
    tokens: ['<|im_start|>', '<|im_end|>'],
    needs: [],
    source:
      "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{%- endfor %}" +
      "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}",
  },
  llama3: {
    tokens: ['<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'],
    needs: [],
    source:
      '{{- bos_token }}{%- for message in messages %}' +
      "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + (message['content'] | trim) + '<|eot_id|>' }}" +
      "{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}",
  },
  mistral: {
    tokens: [],
    needs: ['bos_token', 'eos_token'],
    source:
      "{{- bos_token }}{%- if messages[0]['role'] == 'system' %}{%- set system = messages[0]['content'] %}" +
      '{%- set loop_messages = messages[1:] %}{%- else %}{%- set system = "" %}{%- set loop_messages = messages %}{%- endif %}' +
      "{%- for message in loop_messages %}{%- if message['role'] == 'user' %}" +
      "{%- if loop.first and system %}{{- '[INST] ' + system + '\\n\\n' + message['content'] + ' [/INST]' }}" +
      "{%- else %}{{- '[INST] ' + message['content'] + ' [/INST]' }}{%- endif %}" +
      "{%- elif message['role'] == 'assistant' %}{{- message['content'] + eos_token }}{%- endif %}{%- endfor %}",
  },
};

export interface ChatTemplate {
  /** 'tokenizer', 'tokenizer:<name>', a built-in name, or 'custom'. */
  readonly name: string;
  readonly source: 'tokenizer' | 'builtin' | 'custom';
  readonly template: string;
  /** Pinned date (ISO yyyy-mm-dd) that `strftime_now` returns. */
  readonly date: string;
  /** True when the template calls `strftime_now` (so the date shows up in the text). */
  readonly usesDate: boolean;
  /** The date as Llama-3.1 prints it ("26 Jul 2024"). */
  readonly dateString: string;
  render(messages: readonly Message[], options?: { addGenerationPrompt?: boolean }): string;
}

export interface TemplateOptions {
  /** A built-in name, one of the tokenizer's named templates, or a Jinja template string. */
  override?: string;
  /** ISO date (yyyy-mm-dd) for `strftime_now`; default kDefaultTemplateDate. */
  date?: string;
}

export class TemplateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
  }
}

const kMonths = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const kDays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Python-style strftime on a UTC date with English names (never the machine's locale). */
export function strftime(date: Date, format: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const hours = date.getUTCHours();
  const startOfYear = Date.UTC(date.getUTCFullYear(), 0, 1);
  const dayOfYear = Math.floor((date.getTime() - startOfYear) / 86_400_000) + 1;
  const map: Record<string, string> = {
    Y: String(date.getUTCFullYear()),
    y: pad(date.getUTCFullYear() % 100),
    m: pad(date.getUTCMonth() + 1),
    d: pad(date.getUTCDate()),
    e: String(date.getUTCDate()).padStart(2, ' '),
    b: kMonths[date.getUTCMonth()].slice(0, 3),
    B: kMonths[date.getUTCMonth()],
    a: kDays[date.getUTCDay()].slice(0, 3),
    A: kDays[date.getUTCDay()],
    H: pad(hours),
    I: pad(hours % 12 === 0 ? 12 : hours % 12),
    p: hours < 12 ? 'AM' : 'PM',
    M: pad(date.getUTCMinutes()),
    S: pad(date.getUTCSeconds()),
    j: pad(dayOfYear, 3),
    '%': '%',
  };
  return format.replace(/%(.)/g, (whole, c: string) => map[c] ?? whole);
}

function parseIsoDate(iso: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!d || Number.isNaN(d.getTime()) || d.getUTCDate() !== Number(m?.[3])) {
    throw new TemplateError(`template date must be yyyy-mm-dd, got "${iso}"`);
  }
  return d;
}

/** Which built-ins this tokenizer can use, and why not when it cannot. */
export function builtinAvailability(tok: Tokenizer, name: BuiltinTemplateName): string | null {
  const spec = kBuiltins[name];
  const missing = spec.tokens.filter((t) => tok.tokenToId(t) === undefined);
  for (const key of spec.needs) {
    const t = tok.specialTokensMap[key];
    if (!t || tok.tokenToId(t) === undefined) missing.push(key);
  }
  return missing.length ? `the tokenizer has no ${missing.join(', ')}` : null;
}

/** Every template the user could pick for this tokenizer (for a dropdown). */
export function listTemplates(
  tok: Tokenizer,
): { name: string; available: boolean; reason?: string }[] {
  const out: { name: string; available: boolean; reason?: string }[] = [];
  const own = tok.chatTemplate;
  if (typeof own === 'string') out.push({ name: 'tokenizer', available: true });
  else if (own)
    for (const n of Object.keys(own)) out.push({ name: `tokenizer:${n}`, available: true });
  for (const n of kBuiltinTemplateNames) {
    const reason = builtinAvailability(tok, n);
    out.push(reason ? { name: n, available: false, reason } : { name: n, available: true });
  }
  return out;
}

/** Limits on one render, so that a template that loops forever or renders megabytes (a typo, or a
 * hostile template) fails with a clear error instead of freezing the worker or the CLI. Real chat
 * templates render a conversation in well under a millisecond and a few kilobytes. */
const kMaxRenderMs = 2000;
const kMaxRenderChars = 4 * 2 ** 20;
const kMaxRange = 1_000_000;

/** An interpreter that stops a render that runs too long (checked every 1024 steps). */
class BudgetedInterpreter extends Interpreter {
  private steps = 0;
  private readonly start = Date.now();

  constructor(
    env: Environment,
    private readonly templateName: string,
  ) {
    super(env);
    // A loop body runs through evaluateBlock once per iteration, even when it is empty (and then
    // calls `evaluate` no more); the library declares that method private and has no hook, so
    // the budget check wraps this instance's own copy of it.
    const self = this as unknown as { evaluateBlock: (...a: unknown[]) => unknown };
    const block = self.evaluateBlock.bind(this);
    self.evaluateBlock = (...a: unknown[]) => {
      this.tick();
      return block(...a);
    };
  }

  private tick(): void {
    if ((++this.steps & 1023) === 0 && Date.now() - this.start > kMaxRenderMs) {
      throw new TemplateError(
        `the chat template "${this.templateName}" ran for more than ${kMaxRenderMs / 1000} s on one ` +
          'conversation (a loop that never ends?)',
      );
    }
  }

  override evaluate(
    ...args: Parameters<Interpreter['evaluate']>
  ): ReturnType<Interpreter['evaluate']> {
    this.tick();
    return super.evaluate(...args);
  }
}

function makeTemplate(
  tok: Tokenizer,
  name: string,
  source: ChatTemplate['source'],
  text: string,
  dateIso: string,
): ChatTemplate {
  let compiled: Template;
  try {
    compiled = new Template(text);
  } catch (e) {
    throw new TemplateError(`chat template "${name}" does not parse: ${String(e)}`, { cause: e });
  }
  const date = parseIsoDate(dateIso);
  const specials: Record<string, string> = {
    bos_token: '',
    eos_token: '',
    ...tok.specialTokensMap,
  };
  return {
    name,
    source,
    template: text,
    date: dateIso,
    usesDate: text.includes('strftime_now'),
    dateString: strftime(date, '%d %b %Y'),
    render(messages, options) {
      // Template.render() cannot override the `strftime_now` global, so build the environment
      // ourselves: the same globals as @huggingface/jinja's setupGlobals, with a pinned clock.
      const env = new Environment();
      const globals: Record<string, unknown> = {
        false: false,
        true: true,
        none: null,
        False: false,
        True: true,
        None: null,
        raise_exception: (msg: unknown) => {
          throw new TemplateError(`the chat template raised: ${String(msg)}`);
        },
        range: (start: number, stop?: number, step = 1) => {
          const [a, b] = stop === undefined ? [0, start] : [start, stop];
          if (step === 0) throw new TemplateError('range() step must not be zero');
          if (Math.abs((b - a) / step) > kMaxRange) {
            throw new TemplateError(
              `the chat template "${name}" asked for range(${a}, ${b}) (more than ${kMaxRange} numbers)`,
            );
          }
          const r: number[] = [];
          for (let i = a; step > 0 ? i < b : i > b; i += step) r.push(i);
          return r;
        },
        strftime_now: (format: unknown) => strftime(date, String(format)),
        ...specials,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: options?.addGenerationPrompt ?? false,
      };
      for (const [k, v] of Object.entries(globals)) env.set(k, v);
      const out = new BudgetedInterpreter(env, name).run(compiled.parsed).value as string;
      if (out.length > kMaxRenderChars) {
        throw new TemplateError(
          `the chat template "${name}" rendered ${(out.length / 2 ** 20).toFixed(1)} M characters for one ` +
            `conversation (the limit is ${kMaxRenderChars / 2 ** 20} M): check the template's loops`,
        );
      }
      return out;
    },
  };
}

/** Pick the chat template for this tokenizer (see the file header for the order). */
export function resolveTemplate(tok: Tokenizer, options: TemplateOptions = {}): ChatTemplate {
  const date = options.date ?? kDefaultTemplateDate;
  const own = tok.chatTemplate;
  const override = options.override?.trim();
  if (override) {
    if (override.includes('{{') || override.includes('{%')) {
      return makeTemplate(tok, 'custom', 'custom', override, date);
    }
    if (override === 'tokenizer' && typeof own === 'string') {
      return makeTemplate(tok, 'tokenizer', 'tokenizer', own, date);
    }
    const named = override.startsWith('tokenizer:')
      ? override.slice('tokenizer:'.length)
      : override;
    if (own && typeof own === 'object' && Object.hasOwn(own, named)) {
      return makeTemplate(tok, `tokenizer:${named}`, 'tokenizer', own[named], date);
    }
    if ((kBuiltinTemplateNames as readonly string[]).includes(override)) {
      const name = override as BuiltinTemplateName;
      const reason = builtinAvailability(tok, name);
      if (reason) throw new TemplateError(`built-in template "${name}" cannot be used: ${reason}`);
      return makeTemplate(tok, name, 'builtin', kBuiltins[name].source, date);
    }
    const names = listTemplates(tok).map((t) => t.name);
    throw new TemplateError(
      `unknown template "${override}" (choose one of ${names.join(', ')}, or pass a Jinja template)`,
    );
  }
  if (typeof own === 'string') return makeTemplate(tok, 'tokenizer', 'tokenizer', own, date);
  if (own) {
    const names = Object.keys(own);
    const pick = Object.hasOwn(own, 'default') ? 'default' : names.length === 1 ? names[0] : null;
    if (pick === null) {
      throw new TemplateError(
        `the tokenizer has several chat templates and none is "default": choose one of ${names.map((n) => `tokenizer:${n}`).join(', ')}`,
      );
    }
    return makeTemplate(tok, `tokenizer:${pick}`, 'tokenizer', own[pick], date);
  }
  for (const name of kBuiltinTemplateNames) {
    if (builtinAvailability(tok, name) === null) {
      return makeTemplate(tok, name, 'builtin', kBuiltins[name].source, date);
    }
  }
  throw new TemplateError(
    'the tokenizer has no chat template and none of the built-ins (chatml, llama3, mistral) fits its vocabulary: pass a custom Jinja template',
  );
}
