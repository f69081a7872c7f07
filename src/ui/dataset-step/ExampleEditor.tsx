// The conversation editor: an existing row's messages (or text) edited in place, or a new row
// written by hand. One role picker and one text box per turn, turns added and removed; below, the
// draft's tokens exactly as training would see them, re-tokenized by the worker a moment after
// each keystroke, and its quality flags. Save hands the row to the worker (which checks it the
// way a row of a file is checked); an invalid row keeps the editor open with the reason.
import type { Message, Role } from '../../worker/protocol.ts';
import { previewDraft, saveEditor } from '../curationBridge.ts';
import { fmtInt } from '../format.ts';
import { useStudio, useStudioShallow } from '../store/index.ts';
import { FlagList } from './FlagChips.tsx';
import { TokenChips } from './TokenChips.tsx';

const kRoles: Role[] = ['system', 'user', 'assistant'];

/** The role a new turn takes: the other of user/assistant after the last turn. */
function nextRole(messages: Message[]): Role {
  return messages.at(-1)?.role === 'user' ? 'assistant' : 'user';
}

function DraftTokens() {
  const preview = useStudio((s) => s.curation.preview);
  if (!preview) return <div className="detail-empty subtle">Tokenizing…</div>;
  const d = preview.detail;
  let trained = 0;
  if (d) for (const l of d.labels) if (l !== -100) trained++;
  return (
    <div className="editor-preview">
      <FlagList flags={preview.flags} links={false} />
      {preview.error && (
        <div className="callout callout-warn" data-testid="editor-error">
          <span>{preview.error}</span>
        </div>
      )}
      {d && (
        <>
          <div
            className="detail-counts"
            data-testid="editor-counts"
            data-tokens={d.inputIds.length}
            data-trained={trained}
          >
            <span>
              <span className="count-trained num">{fmtInt(trained)}</span> trained
            </span>
            <span className="subtle num">{fmtInt(d.inputIds.length)} tokens</span>
          </div>
          <TokenChips detail={d} />
        </>
      )}
    </div>
  );
}

export function ExampleEditor() {
  const { editor, message } = useStudioShallow((s) => ({
    editor: s.curation.editor,
    message: s.curation.message,
  }));
  const close = useStudio((s) => s.closeEditor);
  if (!editor) return null;
  const { draft, line } = editor;
  const isNew = line === null;
  const isText = draft.text !== undefined;
  const setTurn = (i: number, patch: Partial<Message>) =>
    previewDraft({
      messages: draft.messages.map((m, k) => (k === i ? { ...m, ...patch } : m)),
    });
  return (
    <div className="detail editor" data-testid="example-editor" data-line={line ?? ''}>
      <div className="detail-head">
        <div className="detail-title">
          <h3>{isNew ? 'New example' : `Edit line ${line}`}</h3>
          <span className="muted">
            {isNew
              ? 'written by hand: it gets the next row number'
              : 'the tokens below follow as you type'}
          </span>
        </div>
      </div>
      {isText ? (
        <textarea
          className="textarea editor-text"
          data-testid="editor-turn-content"
          rows={8}
          value={draft.text}
          onChange={(e) => previewDraft({ messages: [], text: e.target.value })}
        />
      ) : (
        <ol className="editor-turns">
          {draft.messages.map((m, i) => (
            <li key={i} className="editor-turn" data-role={m.role}>
              <div className="editor-turn-head">
                <select
                  className="select"
                  data-testid="editor-turn-role"
                  aria-label={`Role of turn ${i + 1}`}
                  value={m.role}
                  onChange={(e) => setTurn(i, { role: e.target.value as Role })}
                >
                  {kRoles.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className="btn btn-sm btn-ghost"
                  data-testid="editor-remove-turn"
                  aria-label={`Remove turn ${i + 1}`}
                  disabled={draft.messages.length <= 1}
                  onClick={() =>
                    previewDraft({ messages: draft.messages.filter((_, k) => k !== i) })
                  }
                >
                  Remove
                </button>
              </div>
              <textarea
                className="textarea"
                data-testid="editor-turn-content"
                aria-label={`Content of turn ${i + 1}`}
                rows={Math.min(8, Math.max(2, m.content.split('\n').length))}
                placeholder={m.role === 'assistant' ? 'The answer the model learns' : 'Content'}
                value={m.content}
                onChange={(e) => setTurn(i, { content: e.target.value })}
              />
            </li>
          ))}
        </ol>
      )}
      <div className="editor-actions">
        {!isText && (
          <button
            type="button"
            className="btn btn-sm"
            data-testid="editor-add-turn"
            onClick={() =>
              previewDraft({
                messages: [...draft.messages, { role: nextRole(draft.messages), content: '' }],
              })
            }
          >
            + Add turn
          </button>
        )}
        <span className="curation-sep" />
        {message && <span className="error-text">{message}</span>}
        <button type="button" className="btn btn-sm" data-testid="editor-cancel" onClick={close}>
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-sm btn-primary"
          data-testid={isNew ? 'editor-save' : 'edit-save'}
          disabled={editor.saving}
          onClick={saveEditor}
        >
          {isNew ? 'Add to the dataset' : 'Save'}
        </button>
      </div>
      <DraftTokens />
    </div>
  );
}
