// A small schema builder: one definition yields the TypeScript type (`Infer<typeof schema>`), a validator that turns
// unknown JSON into that type while collecting every problem (not the first only), and a JSON Schema (draft 2020-12)
// for editors. Written here instead of depending on zod/ajv so that the messages name the field, the value's problem
// and the fix, and so that secret fields are never echoed.
//
// Contract of `parse`: it never throws on bad input; it reports each problem to the context and returns INVALID for a
// value it could not read at all. Objects return what they could read (invalid children left out) so that checks
// across fields still run and report their own problems in the same pass; a result is only usable when the context
// holds no problems.

import { closestName } from "./closest-name.ts";

export type Path = readonly (string | number)[];

/** One problem: where (a path into the document), what is wrong, and what to do about it. */
export interface Issue {
  path: Path;
  problem: string;
  fix: string;
}

/** Collects problems (which refuse the document) and warnings (which do not) during one parse. */
export class ParseContext {
  readonly issues: Issue[] = [];
  readonly warnings: Issue[] = [];
  report(path: Path, problem: string, fix: string): void {
    this.issues.push({ path, problem, fix });
  }
  warn(path: Path, problem: string, fix: string): void {
    this.warnings.push({ path, problem, fix });
  }
}

/** Returned by `parse` for a value that could not be read at all. */
export const INVALID: unique symbol = Symbol("invalid");
export type Invalid = typeof INVALID;

export type JsonSchema = { [key: string]: unknown };

/** A field's problem as found by a rule: `undefined` when the value is fine. */
export type Problem = { problem: string; fix: string } | undefined;

export interface Meta {
  /** Shown in editors and used in messages; one or two sentences. */
  description?: string;
  /** A typical value, used in "add it" fixes and in the JSON Schema `examples`. */
  example?: unknown;
}

type AnySchema = Schema<unknown>;
export type Infer<S extends AnySchema> = S["_output"];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** What a check across fields sees: the part of the object that was read, each field possibly missing. */
export type DeepPartial<T> = T extends (infer U)[]
  ? DeepPartial<U>[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export abstract class Schema<T> {
  /** Phantom: carries the parsed type for `Infer`; never set at run time. */
  declare readonly _output: T;
  /** True for `s.optional` (the key may be absent and stays absent in the result). */
  readonly isOptional: boolean = false;
  /** True when an absent key is not a problem (optional, or filled from a default). */
  readonly acceptsMissing: boolean = false;
  /** True for secret fields: messages never echo their value. */
  readonly isSecret: boolean = false;
  readonly meta: Meta;
  constructor(meta: Meta) {
    this.meta = meta;
  }
  /** "a string", "an object", …: used in "must be …" messages. */
  abstract readonly expected: string;
  abstract parse(input: unknown, path: Path, ctx: ParseContext): T | Invalid;
  protected abstract jsonSchemaBody(): JsonSchema;
  toJsonSchema(): JsonSchema {
    const body = this.jsonSchemaBody();
    const out: JsonSchema = {};
    if (this.meta.description !== undefined) out.description = this.meta.description;
    Object.assign(out, body);
    if (this.meta.example !== undefined && out.examples === undefined) out.examples = [this.meta.example];
    return out;
  }
  /** A schema whose result is `fn(value)`; `fn` runs only when this subtree had no problems. */
  transform<U>(fn: (value: T, path: Path, ctx: ParseContext) => U, meta: Meta = {}): Schema<U> {
    return new TransformSchema<T, U>(this, fn, meta);
  }
  /** A "must be …" problem for a value of the wrong JSON type. */
  protected typeProblem(input: unknown, path: Path, ctx: ParseContext, fix?: string): Invalid {
    const example = this.meta.example === undefined ? "" : `, e.g. ${JSON.stringify(this.meta.example)}`;
    ctx.report(path, `must be ${this.expected}, got ${jsonTypeName(input)}`, fix ?? `write ${this.expected}${example}`);
    return INVALID;
  }
}

/** "a string", "a number", "null", …: the JSON type of a value, never the value itself. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "an integer" : "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

/** A non-secret value quoted for a message, cut to a readable length. */
export function quote(value: string): string {
  const cut = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return JSON.stringify(cut);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function formatPath(path: Path): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out === "" ? "(root)" : out;
}

// ---------------------------------------------------------------------------------------------------------------
// Strings

export interface StringOptions extends Meta {
  minLength?: number;
  maxLength?: number;
  /** Anchored pattern for the JSON Schema. Validation uses it only when there is no `check` (which then decides). */
  pattern?: RegExp;
  /** Decides whether the value is acceptable and words the problem; must agree with `pattern`. */
  check?: (value: string) => Problem;
  /** Applied to a valid value (e.g. path normalisation); may also refuse it. */
  normalize?: (value: string) => { value: string } | { problem: string; fix: string };
  /** A secret (or a reference to one): the value is never echoed in messages. */
  secret?: boolean;
  format?: string;
}

export class StringSchema extends Schema<string> {
  readonly expected = "a string";
  override readonly isSecret: boolean;
  readonly options: StringOptions;
  constructor(options: StringOptions = {}) {
    super(options);
    this.options = options;
    this.isSecret = options.secret === true;
  }
  parse(input: unknown, path: Path, ctx: ParseContext): string | Invalid {
    if (typeof input !== "string") return this.typeProblem(input, path, ctx);
    const o = this.options;
    const found = o.check?.(input);
    if (found !== undefined) {
      ctx.report(path, found.problem, found.fix);
      return INVALID;
    }
    if (o.minLength !== undefined && input.length < o.minLength) {
      const problem = input.length === 0 ? "must not be empty" : `must be at least ${o.minLength} characters long`;
      ctx.report(path, problem, this.exampleFix());
      return INVALID;
    }
    if (o.maxLength !== undefined && input.length > o.maxLength) {
      ctx.report(path, `must be at most ${o.maxLength} characters long, got ${input.length}`, this.exampleFix());
      return INVALID;
    }
    if (o.pattern !== undefined && o.check === undefined && !o.pattern.test(input)) {
      const got = this.isSecret ? "" : `, got ${quote(input)}`;
      ctx.report(path, `does not have the expected form${got}`, this.exampleFix());
      return INVALID;
    }
    if (o.normalize !== undefined) {
      const n = o.normalize(input);
      if ("problem" in n) {
        ctx.report(path, n.problem, n.fix);
        return INVALID;
      }
      return n.value;
    }
    return input;
  }
  private exampleFix(): string {
    return this.meta.example === undefined ? "correct the value" : `write a value like ${JSON.stringify(this.meta.example)}`;
  }
  protected jsonSchemaBody(): JsonSchema {
    const o = this.options;
    const out: JsonSchema = { type: "string" };
    if (o.minLength !== undefined) out.minLength = o.minLength;
    if (o.maxLength !== undefined) out.maxLength = o.maxLength;
    if (o.pattern !== undefined) out.pattern = o.pattern.source;
    if (o.format !== undefined) out.format = o.format;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Enums and literals

export class EnumSchema<V extends string> extends Schema<V> {
  readonly values: readonly V[];
  constructor(values: readonly V[], meta: Meta = {}) {
    super(meta);
    this.values = values;
  }
  get expected(): string {
    return `one of ${this.values.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  parse(input: unknown, path: Path, ctx: ParseContext): V | Invalid {
    if (typeof input !== "string") {
      ctx.report(path, `must be ${this.expected}, got ${jsonTypeName(input)}`, `write ${JSON.stringify(this.values[0])}`);
      return INVALID;
    }
    const match = this.values.find((v) => v === input);
    if (match !== undefined) return match;
    ctx.report(path, `must be ${this.expected}, got ${quote(input)}`, enumFix(input, this.values));
    return INVALID;
  }
  protected jsonSchemaBody(): JsonSchema {
    return { enum: [...this.values] };
  }
}

/** The fix for a value outside an enum: the near miss when there is one, else the list. */
export function enumFix(input: string, values: readonly string[]): string {
  const close = closestName(input, values);
  if (close !== undefined) {
    const caseNote = close.toLowerCase() === input.toLowerCase() ? " (values are case-sensitive)" : "";
    return `write ${JSON.stringify(close)}${caseNote}`;
  }
  if (values.length === 1) return `write ${JSON.stringify(values[0])}`;
  return `write one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
}

export class LiteralSchema<V extends string> extends Schema<V> {
  readonly value: V;
  constructor(value: V, meta: Meta = {}) {
    super(meta);
    this.value = value;
  }
  get expected(): string {
    return JSON.stringify(this.value);
  }
  parse(input: unknown, path: Path, ctx: ParseContext): V | Invalid {
    if (input === this.value) return this.value;
    const got = typeof input === "string" ? quote(input) : jsonTypeName(input);
    ctx.report(path, `must be ${this.expected}, got ${got}`, `write ${this.expected}`);
    return INVALID;
  }
  protected jsonSchemaBody(): JsonSchema {
    return { const: this.value };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers and booleans

export interface IntegerOptions extends Meta {
  min?: number;
  max?: number;
}

export class IntegerSchema extends Schema<number> {
  readonly expected = "an integer";
  readonly options: IntegerOptions;
  constructor(options: IntegerOptions = {}) {
    super(options);
    this.options = options;
  }
  parse(input: unknown, path: Path, ctx: ParseContext): number | Invalid {
    if (typeof input !== "number" || !Number.isInteger(input)) return this.typeProblem(input, path, ctx);
    const { min, max } = this.options;
    if ((min !== undefined && input < min) || (max !== undefined && input > max)) {
      const range =
        min !== undefined && max !== undefined
          ? `between ${min} and ${max}`
          : min !== undefined
            ? `${min} or more`
            : `${max} or less`;
      ctx.report(path, `must be ${range}, got ${input}`, `write an integer ${range}`);
      return INVALID;
    }
    return input;
  }
  protected jsonSchemaBody(): JsonSchema {
    const out: JsonSchema = { type: "integer" };
    if (this.options.min !== undefined) out.minimum = this.options.min;
    if (this.options.max !== undefined) out.maximum = this.options.max;
    return out;
  }
}

export class BooleanSchema extends Schema<boolean> {
  readonly expected = "true or false";
  parse(input: unknown, path: Path, ctx: ParseContext): boolean | Invalid {
    if (typeof input === "boolean") return input;
    return this.typeProblem(input, path, ctx, "write true or false (without quotes)");
  }
  protected jsonSchemaBody(): JsonSchema {
    return { type: "boolean" };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Arrays

export interface ArrayOptions extends Meta {
  /** When set, an empty array is refused with this problem and fix. */
  nonEmpty?: { problem: string; fix: string };
}

export class ArraySchema<T> extends Schema<T[]> {
  readonly expected = "an array";
  readonly item: Schema<T>;
  readonly options: ArrayOptions;
  constructor(item: Schema<T>, options: ArrayOptions = {}) {
    super(options);
    this.item = item;
    this.options = options;
  }
  parse(input: unknown, path: Path, ctx: ParseContext): T[] | Invalid {
    if (!Array.isArray(input)) return this.typeProblem(input, path, ctx);
    if (input.length === 0 && this.options.nonEmpty !== undefined) {
      ctx.report(path, this.options.nonEmpty.problem, this.options.nonEmpty.fix);
      return INVALID;
    }
    const out: T[] = [];
    input.forEach((element, i) => {
      const v = this.item.parse(element, [...path, i], ctx);
      if (v !== INVALID) out.push(v);
    });
    return out;
  }
  protected jsonSchemaBody(): JsonSchema {
    const out: JsonSchema = { type: "array", items: this.item.toJsonSchema() };
    if (this.options.nonEmpty !== undefined) out.minItems = 1;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Optional fields and defaults

export class OptionalSchema<T> extends Schema<T | undefined> {
  override readonly isOptional = true as const;
  override readonly acceptsMissing = true;
  override readonly isSecret: boolean;
  readonly inner: Schema<T>;
  constructor(inner: Schema<T>) {
    super(inner.meta);
    this.inner = inner;
    this.isSecret = inner.isSecret;
  }
  get expected(): string {
    return this.inner.expected;
  }
  parse(input: unknown, path: Path, ctx: ParseContext): T | undefined | Invalid {
    if (input === undefined) return undefined;
    return this.inner.parse(input, path, ctx);
  }
  protected jsonSchemaBody(): JsonSchema {
    const out = this.inner.toJsonSchema();
    delete out.description;
    return out;
  }
}

/** An absent value is replaced by `defaultValue` (given in input form and read through the inner schema). */
export class DefaultSchema<T> extends Schema<T> {
  override readonly acceptsMissing = true;
  override readonly isSecret: boolean;
  readonly inner: Schema<T>;
  readonly defaultValue: unknown;
  constructor(inner: Schema<T>, defaultValue: unknown) {
    super(inner.meta);
    this.inner = inner;
    this.defaultValue = defaultValue;
    this.isSecret = inner.isSecret;
  }
  get expected(): string {
    return this.inner.expected;
  }
  parse(input: unknown, path: Path, ctx: ParseContext): T | Invalid {
    if (input === undefined) return this.inner.parse(structuredClone(this.defaultValue), path, ctx);
    return this.inner.parse(input, path, ctx);
  }
  /** The default as it appears in a parsed document (inner defaults filled in). */
  resolvedDefault(): T {
    const ctx = new ParseContext();
    const v = this.inner.parse(structuredClone(this.defaultValue), [], ctx);
    if (v === INVALID || ctx.issues.length > 0) {
      throw new Error(`schema bug: the default ${JSON.stringify(this.defaultValue)} does not pass its own schema`);
    }
    return v;
  }
  protected jsonSchemaBody(): JsonSchema {
    const out = this.inner.toJsonSchema();
    delete out.description;
    out.default = this.resolvedDefault();
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Objects

type Shape = Record<string, AnySchema>;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends { readonly isOptional: true } ? K : never;
}[keyof S];
export type ObjectOutput<S extends Shape> = Simplify<
  { -readonly [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & {
    -readonly [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined>;
  }
>;

/** Reports problems relative to the object being checked. */
export interface CheckContext {
  /** The object as given (before validation): tells a missing field from one whose value had a problem. */
  given: Record<string, unknown>;
  report(field: Path, problem: string, fix: string): void;
  warn(field: Path, problem: string, fix: string): void;
}

export interface ObjectOptions<Out> extends Meta {
  /** Rules across fields; sees what could be read (a field whose value had a problem is absent). */
  check?(value: DeepPartial<Out>, ctx: CheckContext): void;
  /** Known wrong keys (e.g. a parameter of the original app) and what to write instead. */
  hints?: Record<string, { problem: string; fix: string }>;
  /** Merged into the emitted JSON Schema (conditions editors can check, such as `oneOf` or `if`/`then`). */
  jsonSchema?: JsonSchema;
  /** Named in messages about this object ("source", "the log"); defaults to the path. */
  title?: string;
}

/** Used by a discriminated union to explain a key that belongs to another variant. */
type ForeignKeyHint = (key: string) => { problem: string; fix: string } | undefined;

export class ObjectSchema<S extends Shape> extends Schema<ObjectOutput<S>> {
  readonly expected = "an object";
  readonly shape: S;
  readonly options: ObjectOptions<ObjectOutput<S>>;
  constructor(shape: S, options: ObjectOptions<ObjectOutput<S>> = {}) {
    super(options);
    this.shape = shape;
    this.options = options;
  }
  parse(input: unknown, path: Path, ctx: ParseContext, foreignKey?: ForeignKeyHint): ObjectOutput<S> | Invalid {
    if (!isPlainObject(input)) {
      const fields = Object.keys(this.shape).join(", ");
      return this.typeProblem(input, path, ctx, `write a JSON object { … } with the fields ${fields}`);
    }
    const out: Record<string, unknown> = {};
    const known = Object.keys(this.shape);
    for (const key of known) {
      const child = this.shape[key];
      const raw = Object.hasOwn(input, key) ? input[key] : undefined;
      if (raw === undefined && !child.acceptsMissing) {
        ctx.report([...path, key], "is required", addFix(key, child));
        continue;
      }
      const v = child.parse(raw, [...path, key], ctx);
      if (v !== INVALID && v !== undefined) out[key] = v;
    }
    for (const key of Object.keys(input)) {
      if (Object.hasOwn(this.shape, key)) continue;
      const hint = this.options.hints?.[key] ?? foreignKey?.(key);
      if (hint !== undefined) {
        ctx.report([...path, key], hint.problem, hint.fix);
        continue;
      }
      const owner = path.length === 0 ? "the config" : formatPath(path);
      const close = closestName(key, known);
      const listed = known.length === 0 ? `${owner} has no fields yet` : `known fields of ${owner}: ${known.join(", ")}`;
      const fix = close !== undefined ? `did you mean ${JSON.stringify(close)}? (${listed})` : `remove it (${listed})`;
      ctx.report([...path, key], "is not a known field", fix);
    }
    if (this.options.check !== undefined) {
      this.options.check(out as DeepPartial<ObjectOutput<S>>, {
        given: input,
        report: (field, problem, fix) => ctx.report([...path, ...field], problem, fix),
        warn: (field, problem, fix) => ctx.warn([...path, ...field], problem, fix),
      });
    }
    return out as ObjectOutput<S>;
  }
  protected jsonSchemaBody(): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [key, child] of Object.entries(this.shape)) {
      properties[key] = child.toJsonSchema();
      if (!child.acceptsMissing) required.push(key);
    }
    const out: JsonSchema = { type: "object", properties };
    if (required.length > 0) out.required = required;
    out.additionalProperties = false;
    if (this.options.jsonSchema !== undefined) Object.assign(out, this.options.jsonSchema);
    return out;
  }
}

/** The fix for a missing required field: add it, with an example value when the schema has one. */
function addFix(key: string, child: AnySchema): string {
  if (child.meta.example !== undefined) return `add "${key}": ${JSON.stringify(child.meta.example)}`;
  if (child instanceof DiscriminatedUnionSchema) {
    return `add "${key}": { "${child.tag}": ${child.tagValues.map((v) => JSON.stringify(v)).join(" | ")}, … }`;
  }
  return `add "${key}" (${child.expected})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Discriminated unions

type Variants = Record<string, ObjectSchema<Shape>>;

/** An object whose `tag` field selects which of several object schemas applies (e.g. `auth.method`). */
export class DiscriminatedUnionSchema<V extends Variants> extends Schema<Infer<V[keyof V]>> {
  readonly expected = "an object";
  readonly tag: string;
  readonly variants: V;
  constructor(tag: string, variants: V, meta: Meta = {}) {
    super(meta);
    this.tag = tag;
    this.variants = variants;
    for (const [value, variant] of Object.entries(variants)) {
      const tagSchema = variant.shape[tag];
      if (!(tagSchema instanceof LiteralSchema) || tagSchema.value !== value) {
        throw new Error(`schema bug: variant "${value}" must have ${tag}: s.literal("${value}")`);
      }
    }
  }
  get tagValues(): string[] {
    return Object.keys(this.variants);
  }
  parse(input: unknown, path: Path, ctx: ParseContext): Infer<V[keyof V]> | Invalid {
    const values = this.tagValues;
    const listed = values.map((v) => JSON.stringify(v)).join(", ");
    if (!isPlainObject(input)) {
      return this.typeProblem(input, path, ctx, `write a JSON object with "${this.tag}": one of ${listed}`);
    }
    const tagValue = input[this.tag];
    if (tagValue === undefined) {
      const choice = values.length === 1 ? listed : `one of ${listed}`;
      ctx.report([...path, this.tag], "is required", `add "${this.tag}": ${choice}`);
      return INVALID;
    }
    if (typeof tagValue !== "string" || !Object.hasOwn(this.variants, tagValue)) {
      const got = typeof tagValue === "string" ? quote(tagValue) : jsonTypeName(tagValue);
      const expected = values.length === 1 ? listed : `one of ${listed}`;
      ctx.report([...path, this.tag], `must be ${expected}, got ${got}`, enumFix(String(tagValue), values));
      return INVALID;
    }
    const foreignKey: ForeignKeyHint = (key) => {
      const owners = values.filter((v) => v !== tagValue && Object.hasOwn(this.variants[v].shape, key));
      if (owners.length === 0) return undefined;
      const where = owners.map((o) => `"${this.tag}": ${JSON.stringify(o)}`).join(" or ");
      return {
        problem: `is not a field of "${this.tag}": ${JSON.stringify(tagValue)}`,
        fix: `remove it, or switch to ${where}, which uses it`,
      };
    };
    return this.variants[tagValue].parse(input, path, ctx, foreignKey) as Infer<V[keyof V]> | Invalid;
  }
  protected jsonSchemaBody(): JsonSchema {
    return {
      type: "object",
      required: [this.tag],
      properties: { [this.tag]: { enum: this.tagValues } },
      oneOf: Object.values(this.variants).map((v) => v.toJsonSchema()),
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Transforms

export class TransformSchema<T, U> extends Schema<U> {
  readonly inner: Schema<T>;
  readonly fn: (value: T, path: Path, ctx: ParseContext) => U;
  constructor(inner: Schema<T>, fn: (value: T, path: Path, ctx: ParseContext) => U, meta: Meta) {
    super({ ...inner.meta, ...meta });
    this.inner = inner;
    this.fn = fn;
  }
  get expected(): string {
    return this.inner.expected;
  }
  parse(input: unknown, path: Path, ctx: ParseContext): U | Invalid {
    const before = ctx.issues.length;
    const v = this.inner.parse(input, path, ctx);
    if (v === INVALID) return INVALID;
    // A partial value (problems inside it) is passed through untransformed for the checks above to look at; the
    // caller refuses the whole document anyway.
    if (ctx.issues.length > before) return v as unknown as U;
    return this.fn(v, path, ctx);
  }
  protected jsonSchemaBody(): JsonSchema {
    const out = this.inner.toJsonSchema();
    delete out.description;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The builder

export const s = {
  string: (options: StringOptions = {}): StringSchema => new StringSchema(options),
  enum: <const V extends string>(values: readonly V[], meta: Meta = {}): EnumSchema<V> => new EnumSchema(values, meta),
  literal: <const V extends string>(value: V, meta: Meta = {}): LiteralSchema<V> => new LiteralSchema(value, meta),
  integer: (options: IntegerOptions = {}): IntegerSchema => new IntegerSchema(options),
  boolean: (meta: Meta = {}): BooleanSchema => new BooleanSchema(meta),
  array: <T>(item: Schema<T>, options: ArrayOptions = {}): ArraySchema<T> => new ArraySchema(item, options),
  object: <S extends Shape>(shape: S, options: ObjectOptions<ObjectOutput<S>> = {}): ObjectSchema<S> =>
    new ObjectSchema(shape, options),
  union: <V extends Variants>(tag: string, variants: V, meta: Meta = {}): DiscriminatedUnionSchema<V> =>
    new DiscriminatedUnionSchema(tag, variants, meta),
  optional: <T>(inner: Schema<T>): OptionalSchema<T> => new OptionalSchema(inner),
  default: <T>(inner: Schema<T>, defaultValue: unknown): DefaultSchema<T> => new DefaultSchema(inner, defaultValue),
};
