// What a TypeScript type is, for the questions the translation asks: is `x + y` a concatenation, is `if (x)` a
// None check, is `a === b` identity or equality. Types come from the TypeScript checker (ts-morph).
import { type Type, TypeFlags } from "ts-morph";

/** The shape of a value as far as the translation cares; "mixed" when a union holds different shapes. */
export type ValueKind =
  | "string"
  | "number"
  | "boolean"
  | "nullish"
  | "array"
  | "map"
  | "set"
  | "object"
  | "function"
  | "unknown"
  | "mixed";

export interface KindInfo {
  kind: ValueKind;
  /** The type admits null or undefined (both are None in Python). */
  nullable: boolean;
}

function isNullish(t: Type): boolean {
  return t.isNull() || t.isUndefined() || t.isVoid();
}

function singleKind(t: Type): ValueKind {
  const flags = t.getFlags();
  if (flags & TypeFlags.StringLike) return "string";
  if (flags & TypeFlags.NumberLike) return "number";
  if (flags & TypeFlags.BooleanLike) return "boolean";
  if (isNullish(t)) return "nullish";
  if (t.isAny() || t.isUnknown() || t.isTypeParameter() || t.isNever()) return "unknown";
  if (flags & (TypeFlags.BigIntLike | TypeFlags.ESSymbolLike | TypeFlags.EnumLike)) return "unknown";
  if (t.isArray() || t.isReadonlyArray() || t.isTuple()) return "array";
  const name = t.getSymbol()?.getName();
  if (name === "Map" || name === "ReadonlyMap") return "map";
  if (name === "Set" || name === "ReadonlySet") return "set";
  if (t.getCallSignatures().length > 0) return "function";
  if (t.isObject()) return "object";
  return "unknown";
}

/** The kind of `t`, looking through unions (`string | null` is a nullable string). */
export function kindOf(t: Type): KindInfo {
  const members = t.isUnion() ? t.getUnionTypes() : [t];
  let nullable = false;
  let kind: ValueKind | null = null;
  for (const m of members) {
    if (isNullish(m)) {
      nullable = true;
      continue;
    }
    const k = singleKind(m);
    if (kind === null) kind = k;
    else if (kind !== k) kind = "mixed";
  }
  return { kind: kind ?? "nullish", nullable: nullable };
}

/** Strings, numbers and booleans: Python's truthiness and `==` agree with JavaScript's on them. */
export function isPrimitiveKind(kind: ValueKind): boolean {
  return kind === "string" || kind === "number" || kind === "boolean";
}

/** Values JavaScript treats as always truthy and compares by identity. */
export function isReferenceKind(kind: ValueKind): boolean {
  return kind === "array" || kind === "map" || kind === "set" || kind === "object" || kind === "function";
}

/** The element type of an array or tuple type (the union of a tuple's element types). */
export function elementType(t: Type): Type | undefined {
  const base = t.isUnion() ? t.getUnionTypes().find((m) => !isNullish(m)) : t;
  if (base === undefined) return undefined;
  if (base.isArray() || base.isReadonlyArray()) return base.getArrayElementType() ?? base.getTypeArguments()[0];
  if (base.isTuple()) return base.getTupleElements()[0];
  return undefined;
}

/** The type without null and undefined. */
export function nonNullable(t: Type): Type {
  return t.getNonNullableType();
}
