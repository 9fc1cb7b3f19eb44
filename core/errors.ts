/** Domain errors; the API maps each to a status, and hides anything else behind a 500. */

export interface ErrorDetail {
  line?: number;
  field?: string;
  message: string;
}

export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly details: ErrorDetail[],
  ) {
    super(message);
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export class CapacityError extends Error {
  override name = 'CapacityError';
}

export class ConflictError extends Error {
  override name = 'ConflictError';
}
