import type { LineError } from './line-errors.js';

interface Props {
  id: string;
  errors: LineError[];
  onSelect: (line: number) => void;
}

/** The refused lines under the editor: number (selects the line), its text, and why. */
export function LineErrorList({ id, errors, onSelect }: Props) {
  if (!errors.length) return null;
  return (
    <ul id={id} class="line-errors" aria-label="Refused requirement lines">
      {errors.map((error) => (
        <li key={`${error.line}:${error.text}`} data-line={error.line}>
          <button type="button" class="link-button" onClick={() => onSelect(error.line)}>
            Line {error.line}
          </button>{' '}
          <code>{error.text.trim() || '(empty)'}</code> <span>{error.message}</span>
        </li>
      ))}
    </ul>
  );
}
