import { useEffect, useState } from 'preact/hooks';
import { ApiProblem, type Architecture, type BuildRequestBody, type SiteApi, type Submitted } from '../api/site-api.js';
import { ProblemMessage } from '../ui/problem-message.js';
import { AdvancedOptions, type AdvancedChoices } from './advanced-options.js';
import { ArchitectureFieldset } from './architecture-fieldset.js';
import { errorsStillStanding, sortRefusal, type LineError } from './line-errors.js';
import { PackagingFieldset } from './packaging-fieldset.js';
import { RequirementsEditor } from './requirements-editor.js';
import { RuntimeSelect } from './runtime-select.js';
import { useRuntimeCatalog } from './use-runtime-catalog.js';

interface Props {
  api: SiteApi;
  onSubmitted: (submitted: Submitted) => void;
}

const ADVANCED_DEFAULTS: AdvancedChoices = { strategy: 'auto', layout: 'site-packages', exclude_runtime_sdk: false, slim: false, no_cache: false };

/** The build request: requirements, runtime, architectures, zips and advanced options. */
export function BuildForm({ api, onSubmitted }: Props) {
  const { catalog, problem: catalogProblem, retry } = useRuntimeCatalog(api);
  const [requirements, setRequirements] = useState('');
  const [pythonVersion, setPythonVersion] = useState('');
  const [architectures, setArchitectures] = useState<Architecture[]>([]);
  const [singleFile, setSingleFile] = useState(true);
  const [advanced, setAdvanced] = useState(ADVANCED_DEFAULTS);
  const [lineErrors, setLineErrors] = useState<LineError[]>([]);
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const [problem, setProblem] = useState<ApiProblem>();
  const [sending, setSending] = useState(false);
  const [accepted, setAccepted] = useState<Submitted>();

  useEffect(() => {
    if (!catalog) return;
    const { defaults } = catalog;
    setPythonVersion((current) => current || defaults.python_version);
    setArchitectures((current) => (current.length ? current : (defaults.architectures as Architecture[])));
    setAdvanced((current) => (current === ADVANCED_DEFAULTS ? { ...current, strategy: defaults.strategy as AdvancedChoices['strategy'], layout: defaults.layout as AdvancedChoices['layout'] } : current));
  }, [catalog]);

  function edit(text: string) {
    setRequirements(text);
    setLineErrors((errors) => errorsStillStanding(errors, text));
  }

  async function submit(event: Event) {
    event.preventDefault();
    if (!catalog || sending || !architectures.length) return;
    setSending(true);
    setProblem(undefined);
    setOtherErrors([]);
    setAccepted(undefined);
    const body: BuildRequestBody = {
      requirements,
      python_version: pythonVersion as BuildRequestBody['python_version'],
      architectures,
      single_file: singleFile,
      ...advanced,
    };
    try {
      const submitted = await api.submit(body);
      onSubmitted(submitted);
      setAccepted(submitted);
      setLineErrors([]);
    } catch (error) {
      const failure = error instanceof ApiProblem ? error : new ApiProblem('server', String(error));
      if (failure.kind === 'invalid' && failure.details.length) {
        const sorted = sortRefusal(failure.details, requirements);
        setLineErrors(sorted.lineErrors);
        setOtherErrors(sorted.otherErrors);
        setProblem(new ApiProblem('invalid', sorted.lineErrors.length ? `${failure.message}: see the marked lines.` : failure.message));
      } else {
        setLineErrors([]);
        setProblem(failure);
      }
    } finally {
      setSending(false);
    }
  }

  if (!catalog) {
    return catalogProblem ? (
      <ProblemMessage problem={catalogProblem} action={{ label: 'Try again', run: retry }} />
    ) : (
      <p class="hint" role="status">
        Loading the Lambda runtimes from {api.apiUrl}…
      </p>
    );
  }

  return (
    <form class="build-form" onSubmit={submit} noValidate>
      <RequirementsEditor value={requirements} onInput={edit} errors={lineErrors} />
      <RuntimeSelect runtimes={catalog.runtimes} value={pythonVersion} onChange={setPythonVersion} />
      <div class="field-pair">
        <ArchitectureFieldset available={catalog.architectures} value={architectures} onChange={setArchitectures} />
        <PackagingFieldset singleFile={singleFile} onChange={setSingleFile} />
      </div>
      <AdvancedOptions catalog={catalog} value={advanced} onChange={setAdvanced} />
      {problem && <ProblemMessage problem={problem} extra={otherErrors} />}
      <div class="form-actions">
        <button type="submit" class="button button-primary" disabled={sending || !architectures.length || !requirements.trim()}>
          {sending ? 'Submitting…' : 'Build layer'}
        </button>
        {!requirements.trim() && <span class="hint">Add at least one requirement.</span>}
      </div>
      <p class="hint submit-note" role="status">
        {accepted && (
          <>
            {accepted.cached ? 'An identical build had already finished; it is ' : 'Submitted; follow it '}
            <a href={`#build-${accepted.build_id}`}>under Your builds</a>.
          </>
        )}
      </p>
    </form>
  );
}
