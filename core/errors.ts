import type { SpecFinding } from './vocabulary';

/** What kind of refusal an error is; the API maps each to an HTTP status in one place (core/api/errors.ts). */
export type ControlPlaneErrorCode = 'bad_request' | 'invalid_data' | 'spec_rejected' | 'forbidden' | 'not_found' | 'conflict' | 'unsupported' | 'unavailable';

/** A request the control plane refuses, with a message for the user. Anything else that is thrown is a fault. */
export abstract class ControlPlaneError extends Error {
  abstract readonly code: ControlPlaneErrorCode;
}

/** A request that cannot be served as asked (a malformed override, a path outside the workspace …). */
export class BadRequest extends ControlPlaneError {
  readonly code: ControlPlaneErrorCode = 'bad_request';
}

/** A spec the validator (or a check of the same kind) refused, with where and why. */
export class SpecRejected extends ControlPlaneError {
  readonly code = 'spec_rejected';

  constructor(message: string, readonly findings: readonly SpecFinding[] = []) {
    super(message);
  }
}

/** A request for something the control plane keeps from its clients (a link leading out of an output folder). */
export class Forbidden extends ControlPlaneError {
  readonly code = 'forbidden';
}

export class NotFound extends ControlPlaneError {
  readonly code = 'not_found';
}

/** The request clashes with what exists (a job name taken, an asset version registered with other content). */
export class Conflict extends ControlPlaneError {
  readonly code = 'conflict';
}

/** A valid request for something mlw does not do (yet). */
export class Unsupported extends ControlPlaneError {
  readonly code = 'unsupported';
}

/** Something the request needs is missing from this control plane or not answering (Docker, the builder). */
export class Unavailable extends ControlPlaneError {
  readonly code = 'unavailable';
}
