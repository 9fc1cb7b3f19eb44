import { useRef, useState } from 'preact/hooks';
import { formatBytes } from '../lib/format.js';
import { LineErrorList } from './line-error-list.js';
import { splitLines, type LineError } from './line-errors.js';

const MAX_FILE_BYTES = 256 * 1024;

interface Props {
  value: string;
  onInput: (text: string) => void;
  errors: LineError[];
}

/**
 * The requirements textarea with line numbers; refused lines are marked in the gutter and
 * listed under it. A requirements.txt can be dropped on it or chosen with the upload button.
 */
export function RequirementsEditor({ value, onInput, errors }: Props) {
  const textarea = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const backdrop = useRef<HTMLDivElement>(null);
  const [dragging, setDragging] = useState(false);
  const [fileNote, setFileNote] = useState('');
  const lines = splitLines(value);
  const refused = new Set(errors.map((error) => error.line));

  function followScroll() {
    const offset = `translateY(${-(textarea.current?.scrollTop ?? 0)}px)`;
    if (gutter.current) gutter.current.style.transform = offset;
    if (backdrop.current) backdrop.current.style.transform = offset;
  }

  async function takeFile(file: File | undefined) {
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      setFileNote(`${file.name} is ${formatBytes(file.size)}; the service takes up to ${formatBytes(MAX_FILE_BYTES)}.`);
      return;
    }
    onInput(await file.text());
    setFileNote(`Loaded ${file.name}.`);
  }

  function selectLine(line: number) {
    const area = textarea.current;
    if (!area) return;
    const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
    area.focus();
    area.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (line - 3) * lineHeight);
    followScroll();
  }

  return (
    <div class="field">
      <label for="requirements">Requirements</label>
      <p class="hint" id="requirements-hint">
        One package per line, as in a requirements.txt: versions, extras and markers are fine; URLs, paths and pip options are not.
      </p>
      <div
        class={`editor${dragging ? ' editor-dragging' : ''}${refused.size ? ' editor-invalid' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          void takeFile(event.dataTransfer?.files[0]);
        }}
      >
        <div class="editor-gutter" aria-hidden="true">
          <div ref={gutter}>
            {lines.map((_, index) => (
              <div class={refused.has(index + 1) ? 'gutter-line gutter-refused' : 'gutter-line'} key={index}>
                {index + 1}
              </div>
            ))}
          </div>
        </div>
        <div class="editor-body">
          <div class="editor-backdrop" ref={backdrop} aria-hidden="true">
            {lines.map((_, index) => (
              <div class={refused.has(index + 1) ? 'backdrop-line backdrop-refused' : 'backdrop-line'} key={index} />
            ))}
          </div>
          <textarea
            id="requirements"
            ref={textarea}
            value={value}
            rows={9}
            wrap="off"
            spellcheck={false}
            autocapitalize="off"
            autocomplete="off"
            placeholder={'requests==2.32.4\nnumpy\npydantic>=2'}
            aria-invalid={refused.size > 0}
            aria-describedby={refused.size ? 'requirements-hint requirements-errors' : 'requirements-hint'}
            onInput={(event) => onInput(event.currentTarget.value)}
            onScroll={followScroll}
          />
        </div>
      </div>
      <LineErrorList id="requirements-errors" errors={errors} onSelect={selectLine} />
      <div class="upload-row">
        <input
          id="requirements-file"
          class="visually-hidden"
          type="file"
          accept=".txt,.in,text/plain"
          onChange={(event) => {
            void takeFile(event.currentTarget.files?.[0]);
            event.currentTarget.value = '';
          }}
        />
        <label for="requirements-file" class="button button-secondary">
          Upload requirements.txt
        </label>
        <span class="hint">or drop the file on the text box.</span>
        <span class="hint" role="status">
          {fileNote}
        </span>
      </div>
    </div>
  );
}
