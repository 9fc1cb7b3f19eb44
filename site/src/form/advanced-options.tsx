import type { BuildRequestBody, RuntimeCatalog } from '../api/site-api.js';

export type AdvancedChoices = Required<Pick<BuildRequestBody, 'strategy' | 'layout' | 'exclude_runtime_sdk' | 'slim' | 'no_cache'>>;

interface Props {
  catalog: RuntimeCatalog;
  value: AdvancedChoices;
  onChange: (value: AdvancedChoices) => void;
}

const STRATEGY_LABEL: Record<AdvancedChoices['strategy'], string> = {
  auto: 'auto: wheels, then a build container for what has no fitting wheel',
  wheels: 'wheels: binary wheels only',
  container: 'container: pip inside the official SAM build image',
};

const LAYOUT_LABEL: Record<AdvancedChoices['layout'], string> = {
  'site-packages': 'python/lib/pythonX.Y/site-packages/',
  python: 'python/',
};

const FLAGS: Array<{ key: 'exclude_runtime_sdk' | 'slim' | 'no_cache'; label: string; hint: string }> = [
  { key: 'exclude_runtime_sdk', label: 'Leave out the runtime SDK', hint: 'boto3, botocore, s3transfer: Lambda already has them' },
  { key: 'slim', label: 'Slim', hint: 'drop stubs, C sources and bundled test suites' },
  { key: 'no_cache', label: 'Build again', hint: 'do not reuse an identical finished build' },
];

/** The API's optional request fields, folded away under a disclosure. */
export function AdvancedOptions({ catalog, value, onChange }: Props) {
  return (
    <details class="advanced">
      <summary>Advanced options</summary>
      <div class="field">
        <label for="strategy">Strategy</label>
        <select id="strategy" value={value.strategy} onChange={(event) => onChange({ ...value, strategy: event.currentTarget.value as AdvancedChoices['strategy'] })}>
          {catalog.strategies.map((strategy) => (
            <option key={strategy} value={strategy}>
              {STRATEGY_LABEL[strategy]}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="layout">Layout in the zip</label>
        <select id="layout" value={value.layout} onChange={(event) => onChange({ ...value, layout: event.currentTarget.value as AdvancedChoices['layout'] })}>
          {catalog.layouts.map((layout) => (
            <option key={layout} value={layout}>
              {LAYOUT_LABEL[layout]}
            </option>
          ))}
        </select>
      </div>
      <div class="choice-column">
        {FLAGS.map((flag) => (
          <label class="choice" key={flag.key}>
            <input type="checkbox" checked={value[flag.key]} onChange={(event) => onChange({ ...value, [flag.key]: event.currentTarget.checked })} />
            <span>
              {flag.label} <span class="hint">{flag.hint}</span>
            </span>
          </label>
        ))}
      </div>
    </details>
  );
}
