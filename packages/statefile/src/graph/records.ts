// Registered record types: classes whose instances the graph codec stores as typed records, each
// with a schema version and the functions that upgrade older versions, in the manner of gVisor's
// stateify type registry. A record is stored as its type name, its version and its own enumerable
// fields; decoding creates the instance without calling its constructor (as structured clone does)
// and assigns the fields, after upgrading them to the registered version.

import { InvalidArgumentError } from '../errors.js';
import { MAX_RECORD_TYPE_LENGTH, MAX_RECORD_VERSION } from './node-kinds.js';

/** RecordFields are a record's fields by name, as stored and as upgrade functions see them. */
export type RecordFields = Record<string, unknown>;

/** RecordUpgrade turns the fields of version n into the fields of version n + 1. */
export type RecordUpgrade = (fields: RecordFields) => RecordFields;

/** RecordClass is any class, abstract or not, whatever its constructor takes. */
export type RecordClass<Instance extends object = object> = abstract new (...args: never[]) => Instance;

/** RecordDefinition registers one record type. */
export interface RecordDefinition<Instance extends object = object> {
  /** The stable name stored in images; never reuse a name for a different type. */
  readonly type: string;
  /** The current schema version, a positive integer; bump it when the fields change and add an upgrade. */
  readonly version: number;
  /** Instances of this class (exactly, not subclasses) are encoded as this record. */
  readonly Class: RecordClass<Instance>;
  /** upgrade[n] turns version n fields into version n + 1 fields; every step from the oldest readable version must be there. */
  readonly upgrade?: Readonly<Record<number, RecordUpgrade>>;
}

/** RecordRegistry holds the record types a graph may contain, by name and by class. */
export class RecordRegistry {
  readonly #byType = new Map<string, RecordDefinition>();
  readonly #byPrototype = new Map<object, RecordDefinition>();

  /** RecordRegistry.register adds a record type; it throws for a duplicate type or class and for malformed versions. */
  register<Instance extends object>(definition: RecordDefinition<Instance>): this {
    const { type, version, Class, upgrade } = definition;
    if (typeof type !== 'string' || type.length === 0 || type.length > MAX_RECORD_TYPE_LENGTH) {
      throw new InvalidArgumentError('record type', `a record type is a name of 1 to ${MAX_RECORD_TYPE_LENGTH} characters, got ${JSON.stringify(type)}`);
    }
    if (!Number.isInteger(version) || version < 1 || version > MAX_RECORD_VERSION) {
      throw new InvalidArgumentError('record version', `record "${type}" needs a positive integer version, got ${version}`);
    }
    if (typeof Class !== 'function' || typeof Class.prototype !== 'object' || Class.prototype === null) {
      throw new InvalidArgumentError('record class', `record "${type}" needs a class`);
    }
    if (this.#byType.has(type)) throw new InvalidArgumentError('record type', `record type "${type}" is already registered`);
    if (this.#byPrototype.has(Class.prototype)) throw new InvalidArgumentError('record class', `class ${Class.name} is already registered as "${this.#byPrototype.get(Class.prototype)!.type}"`);
    for (const key of Object.keys(upgrade ?? {})) {
      const from = Number(key);
      if (!Number.isInteger(from) || from < 1 || from >= version || typeof upgrade![from] !== 'function') {
        throw new InvalidArgumentError('record upgrade', `record "${type}" version ${version}: upgrade keys are the versions 1 to ${version - 1} they upgrade from, got "${key}"`);
      }
    }
    this.#byType.set(type, definition);
    this.#byPrototype.set(Class.prototype, definition);
    return this;
  }

  /** RecordRegistry.get is the definition registered under `type`. */
  get(type: string): RecordDefinition | undefined {
    return this.#byType.get(type);
  }

  /** RecordRegistry.definitionOf is the definition whose class made `value`, if any. */
  definitionOf(value: object): RecordDefinition | undefined {
    const prototype = Object.getPrototypeOf(value) as object | null;
    return prototype === null ? undefined : this.#byPrototype.get(prototype);
  }

  /** RecordRegistry.types lists the registered type names. */
  types(): string[] {
    return [...this.#byType.keys()];
  }
}

/** UnknownRecord is a record decoded without its registration (inspection): its stored type, version and fields. */
export class UnknownRecord {
  readonly type: string;
  readonly version: number;
  readonly fields: RecordFields;
  constructor(type: string, version: number, fields: RecordFields) {
    this.type = type;
    this.version = version;
    this.fields = fields;
  }
}

/** setOwnField assigns `object[key] = value` as an own data property, also for the key `__proto__`. */
export function setOwnField(object: object, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else (object as Record<string, unknown>)[key] = value;
}
