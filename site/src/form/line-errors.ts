import type { RefusedDetail } from '../api/api-problem.js';

/** A requirement line the API refused, with the text it had when refused. */
export interface LineError {
  line: number;
  text: string;
  message: string;
}

export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Splits a 400's details into errors shown beside their line and the rest (fields, whole text). */
export function sortRefusal(details: RefusedDetail[], requirements: string): { lineErrors: LineError[]; otherErrors: string[] } {
  const lines = splitLines(requirements);
  const lineErrors: LineError[] = [];
  const otherErrors: string[] = [];
  for (const detail of details) {
    const text = detail.line ? lines[detail.line - 1] : undefined;
    if (detail.line && text !== undefined) lineErrors.push({ line: detail.line, text, message: detail.message });
    else otherErrors.push(detail.field ? `${detail.field}: ${detail.message}` : detail.message);
  }
  return { lineErrors: lineErrors.sort((a, b) => a.line - b.line), otherErrors };
}

/** While the user edits, an error stays only as long as its line still reads the same. */
export function errorsStillStanding(errors: LineError[], requirements: string): LineError[] {
  const lines = splitLines(requirements);
  return errors.filter((error) => lines[error.line - 1] === error.text);
}
