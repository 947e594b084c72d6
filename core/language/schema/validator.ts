import Ajv, { type AnySchemaObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import type { Report } from '../diagnostics';
import type { SpecDocument } from '../document';
import type { KindInfo } from '../kinds';
import { SCHEMAS } from './catalog';
import { reportSchemaErrors } from './errors';

export const SCHEMA_BASE_URL = 'https://mlw.local/schemas/';
const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true, allowUnionTypes: true } as const;

/**
 * An ajv instance with mlw's `enum`: a schema that also says `"caseInsensitive": true` accepts its values in any case
 * and with or without underscores (`Key`, `AUCWeighted`), as Azure ML's service does for those fields.
 */
export function createAjv(): Ajv {
  const ajv = new Ajv(AJV_OPTIONS);
  ajv.removeKeyword('enum');
  ajv.addKeyword({ keyword: 'enum', schemaType: 'array', errors: true, compile: compileEnum });
  return ajv;
}

/** Decides once per schema whether its enum is case-insensitive; the check on each value is then a lookup. */
function compileEnum(allowed: unknown[], parentSchema: AnySchemaObject): SchemaValidateFunction {
  const loose = parentSchema['caseInsensitive'] === true ? new Set(allowed.filter((value): value is string => typeof value === 'string').map(looseForm)) : undefined;
  const check: SchemaValidateFunction = (data: unknown) => {
    const ok = allowed.some((value) => value === data) || (loose !== undefined && typeof data === 'string' && loose.has(looseForm(data)));
    // A new error object each time: ajv adds the instance path to it.
    check.errors = ok ? undefined : [{ keyword: 'enum', params: { allowedValues: allowed }, message: 'must be equal to one of the allowed values' }];
    return ok;
  };
  return check;
}

function looseForm(value: string): string {
  return value.toLowerCase().replace(/_/g, '');
}

/** Compiles each kind's schema on first use and keeps it; one instance serves a whole process. */
export class SchemaValidator {
  private readonly ajv = createAjv();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly schemas: Readonly<Record<string, object>> = SCHEMAS) {
    for (const schema of Object.values(schemas)) this.ajv.addSchema(schema);
  }

  /** The raw schema of a file in schemas/ (hover and completion read descriptions and enums from it). */
  schema(file: string): object | undefined {
    return this.schemas[file];
  }

  validate(doc: SpecDocument, kind: KindInfo, report: Report): void {
    const validate = this.compile(kind.schema);
    if (doc.value === undefined || validate(doc.value)) return;
    reportSchemaErrors(doc, validate.errors ?? [], report);
  }

  private compile(file: string): ValidateFunction {
    let validate = this.compiled.get(file);
    if (!validate) {
      validate = this.ajv.getSchema(SCHEMA_BASE_URL + file);
      if (!validate) throw new Error(`no schema ${file}`);
      this.compiled.set(file, validate);
    }
    return validate;
  }
}
