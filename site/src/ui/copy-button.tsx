import { useState } from 'preact/hooks';

/** Copies `text`; says whether it worked, since clipboard access can be refused. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [said, setSaid] = useState('');
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setSaid('Copied');
    } catch {
      setSaid('Copy refused: select the text instead');
    }
    setTimeout(() => setSaid(''), 2500);
  }
  return (
    <span class="copy">
      <button type="button" class="button button-small button-secondary" onClick={copy} aria-label={label}>
        Copy
      </button>
      <span class="hint" role="status">
        {said}
      </span>
    </span>
  );
}
