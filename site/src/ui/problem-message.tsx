import type { ApiProblem } from '../api/api-problem.js';

interface Props {
  problem: ApiProblem;
  extra?: string[];
  action?: { label: string; run: () => void };
}

const TITLE: Record<ApiProblem['kind'], string> = {
  unreachable: 'The build service is unreachable',
  token: 'The token was refused',
  invalid: 'The request was refused',
  'not-found': 'Not found',
  busy: 'The build service is busy',
  server: 'The build service had a problem',
};

/** An ApiProblem as an alert: what happened, the service's words, and what to do. */
export function ProblemMessage({ problem, extra = [], action }: Props) {
  return (
    <div class="alert alert-error" role="alert">
      <p class="alert-title">{TITLE[problem.kind]}</p>
      <p>{problem.message}</p>
      {extra.length > 0 && (
        <ul>
          {extra.map((text) => (
            <li key={text}>{text}</li>
          ))}
        </ul>
      )}
      {action && (
        <button type="button" class="button button-secondary" onClick={action.run}>
          {action.label}
        </button>
      )}
    </div>
  );
}
