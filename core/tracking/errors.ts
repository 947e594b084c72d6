/** MLflow's error codes and the HTTP status MLflow answers each with. */
const STATUS_OF = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  MALFORMED_REQUEST: 400,
  INVALID_STATE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  REQUEST_LIMIT_EXCEEDED: 413,
  NOT_IMPLEMENTED: 501,
  INTERNAL_ERROR: 500,
} as const;

export type MlflowErrorCode = keyof typeof STATUS_OF;

/** An error the tracking API answers as `{"error_code": …, "message": …}`. */
export class MlflowError extends Error {
  constructor(readonly errorCode: MlflowErrorCode, message: string) {
    super(message);
  }

  get httpStatus(): number {
    return STATUS_OF[this.errorCode];
  }

  toJSON(): { error_code: string; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const invalid = (message: string): MlflowError => new MlflowError('INVALID_PARAMETER_VALUE', message);
export const notFound = (message: string): MlflowError => new MlflowError('RESOURCE_DOES_NOT_EXIST', message);
export const alreadyExists = (message: string): MlflowError => new MlflowError('RESOURCE_ALREADY_EXISTS', message);
export const forbidden = (message: string): MlflowError => new MlflowError('PERMISSION_DENIED', message);
