/** Protobuf cases, from Confluent's documented Protobuf compatibility rules and the protobuf language guide's "Updating a message type". */
import type { CompatibilityCase } from './case.js';

const proto = (body: string, pkg = 'shop') => `syntax = "proto3";\npackage ${pkg};\n\n${body}\n`;
const order = (fields: string, extra = '') => proto(`message Order {\n${fields}\n}\n${extra}`);
const base = order('  string id = 1;\n  int64 amount = 2;');
const amountAs = (type: string) => order(`  string id = 1;\n  ${type} amount = 2;`);

const proto2 = (fields: string) => `syntax = "proto2";\npackage shop;\n\nmessage Order {\n${fields}\n}\n`;

const money = (fields: string, pkg: string) => `syntax = "proto3";\npackage ${pkg};\n\nmessage Money {\n${fields}\n}\n`;
/** An order whose total is a message of a referenced file. */
const withMoney = (moneyFields: string, pkg = 'common') => ({
  schema: `syntax = "proto3";\npackage shop;\nimport "money.proto";\n\nmessage Order {\n  string id = 1;\n  ${pkg}.Money total = 2;\n}\n`,
  references: [{ name: 'money.proto', schema: money(moneyFields, pkg) }],
});

export const protobufCases: CompatibilityCase[] = [
  { name: 'adding a field', type: 'PROTOBUF', old: [base], new: order('  string id = 1;\n  int64 amount = 2;\n  string note = 3;'), level: 'BACKWARD', compatible: true },
  { name: 'adding a field, read by the old schema', type: 'PROTOBUF', old: [base], new: order('  string id = 1;\n  int64 amount = 2;\n  string note = 3;'), level: 'FORWARD', compatible: true },
  { name: 'removing a field', type: 'PROTOBUF', old: [base], new: order('  string id = 1;'), level: 'FULL', compatible: true },
  { name: 'renaming a field (same number and type)', type: 'PROTOBUF', old: [base], new: order('  string id = 1;\n  int64 total = 2;'), level: 'FULL', compatible: true },
  { name: 'changing the package', type: 'PROTOBUF', old: [base], new: proto('message Order {\n  string id = 1;\n  int64 amount = 2;\n}', 'store'), level: 'BACKWARD', compatible: false },
  { name: 'renaming the message', type: 'PROTOBUF', old: [base], new: proto('message Purchase {\n  string id = 1;\n  int64 amount = 2;\n}'), level: 'BACKWARD', compatible: false },
  { name: 'removing a second message', type: 'PROTOBUF', old: [order('  string id = 1;', 'message Line {\n  string sku = 1;\n}')], new: order('  string id = 1;'), level: 'BACKWARD', compatible: false },
  { name: 'adding a second message', type: 'PROTOBUF', old: [order('  string id = 1;')], new: order('  string id = 1;', 'message Line {\n  string sku = 1;\n}'), level: 'BACKWARD', compatible: true },
  { name: 'int64 to int32 (both varints)', type: 'PROTOBUF', old: [base], new: amountAs('int32'), level: 'FULL', compatible: true },
  { name: 'int64 to bool (both varints)', type: 'PROTOBUF', old: [base], new: amountAs('bool'), level: 'BACKWARD', compatible: true },
  { name: 'int64 to string', type: 'PROTOBUF', old: [base], new: amountAs('string'), level: 'BACKWARD', compatible: false },
  { name: 'int64 to sint64 (zigzag encoding differs)', type: 'PROTOBUF', old: [base], new: amountAs('sint64'), level: 'BACKWARD', compatible: false },
  { name: 'sint32 to sint64', type: 'PROTOBUF', old: [amountAs('sint32')], new: amountAs('sint64'), level: 'BACKWARD', compatible: true },
  { name: 'fixed32 to sfixed32', type: 'PROTOBUF', old: [amountAs('fixed32')], new: amountAs('sfixed32'), level: 'FULL', compatible: true },
  { name: 'fixed32 to fixed64', type: 'PROTOBUF', old: [amountAs('fixed32')], new: amountAs('fixed64'), level: 'BACKWARD', compatible: false },
  { name: 'float to double', type: 'PROTOBUF', old: [amountAs('float')], new: amountAs('double'), level: 'BACKWARD', compatible: false },
  { name: 'string to bytes', type: 'PROTOBUF', old: [base], new: order('  bytes id = 1;\n  int64 amount = 2;'), level: 'FULL', compatible: true },
  { name: 'an enum to int32', type: 'PROTOBUF', old: [order('  string id = 1;\n  Status status = 2;', 'enum Status {\n  NEW = 0;\n  PAID = 1;\n}')], new: order('  string id = 1;\n  int32 status = 2;'), level: 'FULL', compatible: true },
  { name: 'a scalar to a message', type: 'PROTOBUF', old: [base], new: order('  string id = 1;\n  Amount amount = 2;', 'message Amount {\n  int64 cents = 1;\n}'), level: 'BACKWARD', compatible: false },
  { name: 'a singular field to repeated', type: 'PROTOBUF', old: [base], new: amountAs('repeated int64'), level: 'BACKWARD', compatible: false },
  { name: 'a singular number to repeated, read by the old schema', type: 'PROTOBUF', old: [base], new: amountAs('repeated int64'), level: 'FORWARD', compatible: false },
  { name: 'a repeated string to singular (strings are never packed)', type: 'PROTOBUF', old: [order('  repeated string tags = 1;')], new: order('  string tags = 1;'), level: 'FULL', compatible: true },
  { name: 'a singular message to repeated', type: 'PROTOBUF', old: [order('  Line line = 1;\n  message Line {\n    string sku = 1;\n  }')], new: order('  repeated Line line = 1;\n  message Line {\n    string sku = 1;\n  }'), level: 'FULL', compatible: true },
  { name: 'a map to a repeated message', type: 'PROTOBUF', old: [order('  map<string, int64> totals = 1;')], new: order('  repeated Total totals = 1;\n  message Total {\n    string key = 1;\n    int64 value = 2;\n  }'), level: 'BACKWARD', compatible: false },
  { name: 'a map value to an unreadable type', type: 'PROTOBUF', old: [order('  map<string, int64> totals = 1;')], new: order('  map<string, string> totals = 1;'), level: 'BACKWARD', compatible: false },
  { name: 'an enum replaced by another enum (both varints)', type: 'PROTOBUF', old: [order('  Status status = 1;', 'enum Status {\n  NEW = 0;\n}')], new: order('  State status = 1;', 'enum State {\n  OPEN = 0;\n  DONE = 1;\n}'), level: 'FULL', compatible: true },
  { name: 'removing and renaming enum values', type: 'PROTOBUF', old: [order('  Status status = 1;', 'enum Status {\n  NEW = 0;\n  PAID = 1;\n}')], new: order('  Status status = 1;', 'enum Status {\n  CREATED = 0;\n}'), level: 'FULL', compatible: true },
  { name: 'moving one field into a new oneof', type: 'PROTOBUF', old: [base], new: order('  string id = 1;\n  oneof value {\n    int64 amount = 2;\n  }'), level: 'FULL', compatible: true },
  { name: 'moving two fields into a new oneof', type: 'PROTOBUF', old: [base], new: order('  oneof key {\n    string id = 1;\n    int64 amount = 2;\n  }'), level: 'BACKWARD', compatible: false },
  {
    name: 'moving a field into an existing oneof', type: 'PROTOBUF',
    old: [order('  string id = 1;\n  oneof value {\n    int64 amount = 2;\n  }')], new: order('  oneof value {\n    string id = 1;\n    int64 amount = 2;\n  }'),
    level: 'BACKWARD', compatible: false,
  },
  // The writer set at most one of them, which the reader reads; the other way, it would keep only one of two.
  {
    name: 'moving a field out of a oneof', type: 'PROTOBUF',
    old: [order('  oneof value {\n    string id = 1;\n    int64 amount = 2;\n  }')], new: order('  string id = 1;\n  oneof value {\n    int64 amount = 2;\n  }'),
    level: 'BACKWARD', compatible: true,
  },
  {
    name: 'moving a field out of a oneof, both ways', type: 'PROTOBUF',
    old: [order('  oneof value {\n    string id = 1;\n    int64 amount = 2;\n  }')], new: order('  string id = 1;\n  oneof value {\n    int64 amount = 2;\n  }'),
    level: 'FULL', compatible: false,
  },
  {
    name: 'removing a field from a oneof that stays', type: 'PROTOBUF',
    old: [order('  oneof value {\n    int64 amount = 2;\n    string note = 3;\n  }')], new: order('  oneof value {\n    int64 amount = 2;\n  }'),
    level: 'BACKWARD', compatible: false,
  },
  { name: 'adding a field to a oneof', type: 'PROTOBUF', old: [order('  oneof value {\n    int64 amount = 2;\n  }')], new: order('  oneof value {\n    int64 amount = 2;\n    string note = 3;\n  }'), level: 'BACKWARD', compatible: true },
  { name: 'removing a oneof with its fields', type: 'PROTOBUF', old: [order('  string id = 1;\n  oneof value {\n    int64 amount = 2;\n    string note = 3;\n  }')], new: order('  string id = 1;'), level: 'BACKWARD', compatible: true },
  { name: 'removing a oneof, keeping its fields', type: 'PROTOBUF', old: [order('  string id = 1;\n  oneof value {\n    int64 amount = 2;\n    string note = 3;\n  }')], new: order('  string id = 1;\n  int64 amount = 2;\n  string note = 3;'), level: 'BACKWARD', compatible: true },
  { name: 'a proto3 optional field (not a real oneof)', type: 'PROTOBUF', old: [base], new: order('  string id = 1;\n  optional int64 amount = 2;'), level: 'FULL', compatible: true },
  {
    name: 'changing the type of a field in a nested message', type: 'PROTOBUF',
    old: [order('  Line line = 1;\n  message Line {\n    int64 quantity = 1;\n  }')], new: order('  Line line = 1;\n  message Line {\n    string quantity = 1;\n  }'),
    level: 'BACKWARD', compatible: false,
  },
  { name: 'a field of a message type replaced by another message', type: 'PROTOBUF', old: [order('  A item = 1;', 'message A {\n  int64 x = 1;\n}\nmessage B {\n  int64 x = 1;\n}')], new: order('  B item = 1;', 'message A {\n  int64 x = 1;\n}\nmessage B {\n  int64 x = 1;\n}'), level: 'BACKWARD', compatible: false },
  { name: 'adding a field to a referenced message', type: 'PROTOBUF', old: [withMoney('  int64 units = 1;')], new: withMoney('  int64 units = 1;\n  string currency = 2;'), level: 'FULL', compatible: true },
  { name: 'changing a field type in a referenced message', type: 'PROTOBUF', old: [withMoney('  int64 units = 1;')], new: withMoney('  string units = 1;'), level: 'BACKWARD', compatible: false },
  { name: 'a referenced message whose file changed package', type: 'PROTOBUF', old: [withMoney('  int64 units = 1;')], new: withMoney('  int64 units = 1;', 'finance'), level: 'FULL', compatible: true },
  { name: 'a local message moved into a reference', type: 'PROTOBUF', old: [order('  string id = 1;\n  Money total = 2;', 'message Money {\n  int64 units = 1;\n}')], new: withMoney('  int64 units = 1;'), level: 'BACKWARD', compatible: false },
  { name: 'a referenced message moved into the schema', type: 'PROTOBUF', old: [withMoney('  int64 units = 1;')], new: order('  string id = 1;\n  Money total = 2;', 'message Money {\n  int64 units = 1;\n}'), level: 'BACKWARD', compatible: true },
  { name: 'adding a required field (proto2)', type: 'PROTOBUF', old: [proto2('  optional string id = 1;')], new: proto2('  optional string id = 1;\n  required int64 amount = 2;'), level: 'BACKWARD', compatible: false },
  { name: 'removing a required field (proto2)', type: 'PROTOBUF', old: [proto2('  optional string id = 1;\n  required int64 amount = 2;')], new: proto2('  optional string id = 1;'), level: 'BACKWARD', compatible: false },
  { name: 'making an optional field required (proto2)', type: 'PROTOBUF', old: [proto2('  optional string id = 1;')], new: proto2('  required string id = 1;'), level: 'BACKWARD', compatible: false },
  { name: 'reordering messages', type: 'PROTOBUF', old: [order('  string id = 1;', 'message Line {\n  string sku = 1;\n}')], new: proto('message Line {\n  string sku = 1;\n}\nmessage Order {\n  string id = 1;\n}'), level: 'FULL', compatible: true },
  { name: 'anything under NONE', type: 'PROTOBUF', old: [base], new: amountAs('string'), level: 'NONE', compatible: true },
  // v1 had amount as int64, v2 removed it, v3 reuses number 2 as a string.
  { name: 'reusing a removed field number with another type (latest only)', type: 'PROTOBUF', old: [base, order('  string id = 1;')], new: amountAs('string'), level: 'BACKWARD', compatible: true },
  { name: 'reusing a removed field number with another type (all versions)', type: 'PROTOBUF', old: [base, order('  string id = 1;')], new: amountAs('string'), level: 'BACKWARD_TRANSITIVE', compatible: false },
  { name: 'reusing a removed field number with another type, both ways (all versions)', type: 'PROTOBUF', old: [base, order('  string id = 1;')], new: amountAs('string'), level: 'FULL_TRANSITIVE', compatible: false },
  { name: 'reusing a removed field number with another type, read by old schemas (all versions)', type: 'PROTOBUF', old: [base, order('  string id = 1;')], new: amountAs('string'), level: 'FORWARD_TRANSITIVE', compatible: false },
];
