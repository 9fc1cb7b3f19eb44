import type { RuntimeCatalog } from '../api/site-api.js';

type Runtime = RuntimeCatalog['runtimes'][number];

interface Props {
  runtimes: Runtime[];
  value: string;
  onChange: (version: string) => void;
}

const STAGE_NOTE: Record<Runtime['stage'], string> = {
  supported: '',
  deprecated: ' (deprecated)',
  create_blocked: ' (deprecated: no new functions)',
  update_blocked: ' (deprecated: no updates)',
};

/** The Python version, from GET /runtimes, with the selected runtime's OS and deprecation dates. */
export function RuntimeSelect({ runtimes, value, onChange }: Props) {
  const selected = runtimes.find((runtime) => runtime.python_version === value);
  return (
    <div class="field">
      <label for="python-version">Python version</label>
      <select id="python-version" value={value} aria-describedby="runtime-details" onChange={(event) => onChange(event.currentTarget.value)}>
        {runtimes.map((runtime) => (
          <option key={runtime.python_version} value={runtime.python_version}>
            {`Python ${runtime.python_version}${STAGE_NOTE[runtime.stage]}`}
          </option>
        ))}
      </select>
      {selected && (
        <p id="runtime-details" class={selected.stage === 'supported' ? 'hint' : 'hint hint-warning'}>
          {selected.runtime} runs on {selected.os} ({selected.glibc}). Deprecated on {selected.deprecation.deprecated}; new
          functions blocked from {selected.deprecation.block_create}, updates from {selected.deprecation.block_update}.
        </p>
      )}
    </div>
  );
}
