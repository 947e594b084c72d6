import { BadRequest, type ControlPlaneErrorCode } from '../errors';

/** A data problem the user can fix in a spec: a missing path, an unknown datastore, a path escaping its root. */
export class DataError extends BadRequest {
  override readonly name = 'DataError';
  override readonly code: ControlPlaneErrorCode = 'invalid_data';
  /** Where in the spec the problem is, e.g. `inputs.training_data` or `code`; empty when not tied to a field. */
  readonly field: string;

  constructor(message: string, field = '') {
    super(message);
    this.field = field;
  }

  /** The same error attached to a spec field, its message prefixed with what it concerns. */
  static at(field: string, prefix: string, error: unknown): DataError {
    const message = error instanceof Error ? error.message : String(error);
    return new DataError(`${prefix}: ${message}`, field);
  }
}
