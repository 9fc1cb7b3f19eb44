import type { Architecture } from '../api/site-api.js';

interface Props {
  available: Architecture[];
  value: Architecture[];
  onChange: (architectures: Architecture[]) => void;
}

const DESCRIPTION: Record<Architecture, string> = {
  x86_64: 'Intel and AMD',
  arm64: 'Graviton',
};

/** One layer per ticked architecture; at least one must stay ticked. */
export function ArchitectureFieldset({ available, value, onChange }: Props) {
  function toggle(arch: Architecture, on: boolean) {
    onChange(available.filter((each) => (each === arch ? on : value.includes(each))));
  }
  return (
    <fieldset class="field">
      <legend>Architectures</legend>
      <div class="choice-row">
        {available.map((arch) => (
          <label class="choice" key={arch}>
            <input type="checkbox" name="architectures" value={arch} checked={value.includes(arch)} onChange={(event) => toggle(arch, event.currentTarget.checked)} />
            <span>
              {arch} <span class="hint">{DESCRIPTION[arch]}</span>
            </span>
          </label>
        ))}
      </div>
      {value.length === 0 && (
        <p class="hint hint-error" role="alert">
          Tick at least one architecture.
        </p>
      )}
    </fieldset>
  );
}
