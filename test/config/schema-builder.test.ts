import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { closestName } from "../../src/config/closest-name.ts";
import { formatPath, type Infer, INVALID, ParseContext, s } from "../../src/config/schema-builder.ts";

const point = s.object(
  {
    kind: s.literal("point"),
    name: s.string({ description: "A name.", example: "origin", minLength: 1, maxLength: 8 }),
    tags: s.default(s.array(s.enum(["a", "b"])), ["a"]),
    size: s.optional(s.integer({ min: 1, max: 10 })),
    hidden: s.default(s.boolean(), false),
  },
  {
    description: "A point.",
    check(v, ctx) {
      if (v.name === "bad" && v.size === 3) ctx.report(["size"], "is 3 with name bad", "change one");
    },
  },
);
const line = s.object({ kind: s.literal("line"), length: s.integer({ min: 0 }) });
const shape = s.union("kind", { point, line }, { description: "A shape." });

function run<T>(schema: { parse(i: unknown, p: [], c: ParseContext): T | typeof INVALID }, input: unknown) {
  const ctx = new ParseContext();
  const value = schema.parse(input, [], ctx);
  return { value, issues: ctx.issues.map((i) => `${formatPath(i.path)}: ${i.problem} | ${i.fix}`) };
}

describe("schema builder", () => {
  it("infers the parsed type", () => {
    // Compile-time: these assignments only type-check if Infer yields the expected shape.
    const p: Infer<typeof point> = { kind: "point", name: "x", tags: ["a"], hidden: false };
    const q: Infer<typeof point> = { kind: "point", name: "x", tags: [], size: 2, hidden: true };
    const u: Infer<typeof shape>[] = [p, q, { kind: "line", length: 1 }];
    assert.equal(u.length, 3);
  });

  it("applies defaults and leaves optional fields absent", () => {
    assert.deepEqual(run(shape, { kind: "point", name: "o" }), {
      value: { kind: "point", name: "o", tags: ["a"], hidden: false },
      issues: [],
    });
  });

  it("collects every problem, including checks across fields that could be read", () => {
    const r = run(shape, { kind: "point", name: "bad", size: 3, tags: ["a", "c", 1], hidden: 0, extra: 1, tagz: [] });
    assert.deepEqual(r.issues, [
      `tags[1]: must be one of "a", "b", got "c" | write one of "a", "b"`,
      `tags[2]: must be one of "a", "b", got an integer | write "a"`,
      "hidden: must be true or false, got an integer | write true or false (without quotes)",
      "extra: is not a known field | remove it (known fields of the config: kind, name, tags, size, hidden)",
      `tagz: is not a known field | did you mean "tags"? (known fields of the config: kind, name, tags, size, hidden)`,
      "size: is 3 with name bad | change one",
    ]);
  });

  const cases: { name: string; given: unknown; want: string[] }[] = [
    { name: "string too long", given: { kind: "point", name: "123456789" }, want: [`name: must be at most 8 characters long, got 9 | write a value like "origin"`] },
    { name: "string empty", given: { kind: "point", name: "" }, want: [`name: must not be empty | write a value like "origin"`] },
    { name: "integer out of range", given: { kind: "point", name: "o", size: 11 }, want: ["size: must be between 1 and 10, got 11 | write an integer between 1 and 10"] },
    { name: "missing tag", given: { length: 1 }, want: [`kind: is required | add "kind": one of "point", "line"`] },
    { name: "tag of the wrong type", given: { kind: 1 }, want: [`kind: must be one of "point", "line", got an integer | write one of "point", "line"`] },
    { name: "required field missing", given: { kind: "line" }, want: [`length: is required | add "length" (an integer)`] },
    { name: "field of the other variant", given: { kind: "line", length: 1, name: "x" }, want: [`name: is not a field of "kind": "line" | remove it, or switch to "kind": "point", which uses it`] },
    { name: "not an object", given: "point", want: [`(root): must be an object, got a string | write a JSON object with "kind": one of "point", "line"`] },
  ];
  for (const { name, given, want } of cases) {
    it(name, () => {
      assert.deepEqual(run(shape, given).issues, want);
    });
  }

  it("runs a transform only on a value without problems", () => {
    const upper = s.string({ minLength: 2 }).transform((v) => v.toUpperCase());
    assert.deepEqual(run(upper, "ab"), { value: "AB", issues: [] });
    assert.equal(run(upper, "a").value, INVALID);
  });

  it("emits JSON Schema with descriptions, defaults, enums, required and additionalProperties: false", () => {
    assert.deepEqual(shape.toJsonSchema(), {
      description: "A shape.",
      type: "object",
      required: ["kind"],
      properties: { kind: { enum: ["point", "line"] } },
      oneOf: [
        {
          description: "A point.",
          type: "object",
          properties: {
            kind: { const: "point" },
            name: { description: "A name.", type: "string", minLength: 1, maxLength: 8, examples: ["origin"] },
            tags: { type: "array", items: { enum: ["a", "b"] }, default: ["a"] },
            size: { type: "integer", minimum: 1, maximum: 10 },
            hidden: { type: "boolean", default: false },
          },
          required: ["kind", "name"],
          additionalProperties: false,
        },
        {
          type: "object",
          properties: { kind: { const: "line" }, length: { type: "integer", minimum: 0 } },
          required: ["kind", "length"],
          additionalProperties: false,
        },
      ],
    });
  });

  it("refuses a default that fails its own schema when emitting", () => {
    assert.throws(() => s.default(s.integer({ min: 1 }), 0).toJsonSchema(), /schema bug: the default 0/);
  });
});

describe("closestName", () => {
  const candidates = ["accountName", "fileSystem", "path", "endpoint", "auth"];
  const cases: { given: string; want: string | undefined }[] = [
    { given: "acountName", want: "accountName" },
    { given: "accountname", want: "accountName" },
    { given: "filesytem", want: "fileSystem" },
    { given: "paht", want: "path" },
    { given: "endpiont", want: "endpoint" },
    { given: "directory", want: undefined },
    { given: "x", want: undefined },
  ];
  for (const { given, want } of cases) {
    it(`${given} -> ${want}`, () => {
      assert.equal(closestName(given, candidates), want);
    });
  }
});
