// How conversations become text: the chat template, the pinned date and the max length (the
// train settings' maxLength: one value, edited here and in the Train form, for preview and run).
import type { BuiltinTemplate, TemplateChoice } from '../../worker/protocol.ts';
import { useStudio, useStudioShallow } from '../store/index.ts';

type TemplateKey = 'model' | BuiltinTemplate | 'custom';

const kOptions: { key: TemplateKey; label: string }[] = [
  { key: 'model', label: "Model's own (tokenizer_config.json)" },
  { key: 'chatml', label: 'ChatML  <|im_start|> … <|im_end|>' },
  { key: 'llama3', label: 'Llama-3  <|start_header_id|> … <|eot_id|>' },
  { key: 'mistral', label: 'Mistral  [INST] … [/INST] … </s>' },
  { key: 'custom', label: 'Custom Jinja template…' },
];

function templateLabel(name: string): string {
  if (name === 'tokenizer') return "the model's own template";
  if (name.startsWith('tokenizer:')) return `the model's "${name.slice(10)}" template`;
  if (name === 'custom') return 'your custom template';
  return `the built-in ${kOptions.find((o) => o.key === name)?.label.split(' ')[0] ?? name} template`;
}

function keyOf(t: TemplateChoice): TemplateKey {
  return t.kind === 'builtin' ? t.name : t.kind;
}

export function TemplateCard() {
  const { template, customTemplate, maxLength, date, templateError, hasOwn, ready, info } =
    useStudioShallow((s) => ({
      template: s.model.template,
      customTemplate: s.model.customTemplate,
      maxLength: s.train.settings.maxLength,
      date: s.model.date,
      templateError: s.model.templateError,
      hasOwn: s.model.tokenizer.info?.hasChatTemplate ?? true,
      ready: s.model.tokenizer.status === 'ready',
      info: s.model.templateInfo,
    }));
  const setTemplate = useStudio((s) => s.setTemplate);
  const setCustomTemplate = useStudio((s) => s.setCustomTemplate);
  const setTrainSettings = useStudio((s) => s.setTrainSettings);
  const setDate = useStudio((s) => s.setDate);

  const choose = (key: TemplateKey) => {
    if (key === 'model') setTemplate({ kind: 'model' });
    else if (key === 'custom') setTemplate({ kind: 'custom', source: customTemplate });
    else setTemplate({ kind: 'builtin', name: key });
  };

  return (
    <div className="card">
      <div className="card-head">
        <div>
          <h2>Rendering</h2>
          <p>How each conversation becomes tokens, and where long examples are cut.</p>
        </div>
      </div>
      <div className="card-body template-grid">
        <div className="field template-select">
          <label htmlFor="template">Chat template</label>
          <select
            id="template"
            className="select"
            data-testid="template-select"
            value={keyOf(template)}
            onChange={(e) => choose(e.target.value as TemplateKey)}
          >
            {kOptions.map((o) => (
              <option key={o.key} value={o.key}>
                {o.label}
              </option>
            ))}
          </select>
          {ready && info && (
            <span className="field-hint" data-testid="template-resolved">
              Using <strong>{templateLabel(info.name)}</strong>
              {info.usesDate ? ` · prints the pinned date “${info.dateString}”` : ''}
              {!hasOwn && template.kind === 'model' && (
                <span className="warn-text"> · this tokenizer has no chat template of its own</span>
              )}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor="pinned-date">Pinned date</label>
          <input
            id="pinned-date"
            type="date"
            className="input"
            value={date}
            onChange={(e) => e.target.value && setDate(e.target.value)}
          />
          <span className="field-hint">
            For templates that print today&apos;s date (Llama 3.1+): same data, same tokens.
          </span>
        </div>
        <div className="field">
          <label htmlFor="max-length">Max length</label>
          <input
            id="max-length"
            type="number"
            className="input num"
            min={16}
            step={128}
            value={maxLength}
            data-testid="max-length"
            onChange={(e) => {
              const n = Math.floor(Number(e.target.value));
              if (Number.isFinite(n) && n >= 16) setTrainSettings({ maxLength: n });
            }}
          />
          <span className="field-hint">
            Tokens per example; longer ones are cut at the end. The same value as the Train
            step&apos;s max length.
          </span>
        </div>
        {template.kind === 'custom' && (
          <div className="field template-custom">
            <label htmlFor="custom-template">Jinja template</label>
            <textarea
              id="custom-template"
              className="textarea"
              rows={8}
              spellCheck={false}
              placeholder="{% for message in messages %}…{% endfor %}"
              value={customTemplate}
              onChange={(e) => {
                setCustomTemplate(e.target.value);
                setTemplate({ kind: 'custom', source: e.target.value });
              }}
            />
          </div>
        )}
        {templateError && (
          <div className="callout callout-danger template-custom">
            <span>
              <strong>Template error.</strong> {templateError}
            </span>
          </div>
        )}
      </div>
    </div>
  );
}
