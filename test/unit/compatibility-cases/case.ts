/** One row of the compatibility table: the subject's versions (oldest first), a new schema, a level and the expected verdict. */
import type { CompatibilityLevel, SchemaType } from '../../../src/registry/compatibility/types.js';

export interface SchemaWithReferences {
  schema: string;
  references: Array<{ name: string; schema: string }>;
}

export interface CompatibilityCase {
  name: string;
  type: SchemaType;
  old: Array<string | SchemaWithReferences>;
  new: string | SchemaWithReferences;
  level: CompatibilityLevel;
  compatible: boolean;
}
