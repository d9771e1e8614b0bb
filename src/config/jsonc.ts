// A JSON parser that also accepts // and /* */ comments (as editors do for JSON with a $schema), reports the line
// and column of a syntax error, and refuses duplicate keys. Its messages say what was expected, never quote the
// text: a broken config may hold a secret by mistake, and JSON.parse's messages echo a slice of the input.

export type JsoncResult =
  | { ok: true; value: unknown }
  | { ok: false; line: number; column: number; message: string };

class JsoncSyntaxError extends Error {
  readonly index: number;
  constructor(message: string, index: number) {
    super(message);
    this.index = index;
  }
}

export function parseJsonc(text: string): JsoncResult {
  const parser = new Parser(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  try {
    parser.skip();
    const value = parser.value();
    parser.skip();
    if (parser.i < parser.text.length) throw new JsoncSyntaxError("unexpected text after the end of the JSON value", parser.i);
    return { ok: true, value };
  } catch (e) {
    if (!(e instanceof JsoncSyntaxError)) throw e;
    const { line, column } = lineColumn(parser.text, e.index);
    return { ok: false, line, column, message: e.message };
  }
}

function lineColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      start = i + 1;
    }
  }
  return { line, column: index - start + 1 };
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class Parser {
  readonly text: string;
  i = 0;
  constructor(text: string) {
    this.text = text;
  }

  /** Skips whitespace and comments. */
  skip(): void {
    const t = this.text;
    for (;;) {
      const c = t[this.i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") {
        this.i++;
      } else if (c === "/" && t[this.i + 1] === "/") {
        while (this.i < t.length && t[this.i] !== "\n") this.i++;
      } else if (c === "/" && t[this.i + 1] === "*") {
        const end = t.indexOf("*/", this.i + 2);
        if (end < 0) throw new JsoncSyntaxError("unterminated /* comment", this.i);
        this.i = end + 2;
      } else {
        return;
      }
    }
  }

  value(): unknown {
    const t = this.text;
    const c = t[this.i];
    if (c === undefined) throw new JsoncSyntaxError("unexpected end of file: expected a value", this.i);
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (t.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    if (c === "'") throw new JsoncSyntaxError("strings must be in double quotes", this.i);
    throw new JsoncSyntaxError("expected a value (a string, number, object, array, true, false or null)", this.i);
  }

  object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.i++; // {
    this.skip();
    if (this.text[this.i] === "}") {
      this.i++;
      return out;
    }
    for (;;) {
      this.skip();
      const keyAt = this.i;
      const c = this.text[this.i];
      if (c === "}") throw new JsoncSyntaxError("trailing comma before }", keyAt);
      if (c !== '"') {
        const what = c === undefined ? "unexpected end of file: expected" : "expected";
        throw new JsoncSyntaxError(`${what} a property name in double quotes`, keyAt);
      }
      const key = this.string();
      if (Object.hasOwn(out, key)) throw new JsoncSyntaxError(`duplicate property ${JSON.stringify(key)}`, keyAt);
      this.skip();
      if (this.text[this.i] !== ":") throw new JsoncSyntaxError("expected : after a property name", this.i);
      this.i++;
      this.skip();
      // defineProperty: a key such as "__proto__" must become an ordinary property, not the object's prototype.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.skip();
      const next = this.text[this.i];
      if (next === ",") {
        this.i++;
        continue;
      }
      if (next === "}") {
        this.i++;
        return out;
      }
      const what = next === undefined ? "unexpected end of file: expected" : "expected";
      throw new JsoncSyntaxError(`${what} , or } after a property value`, this.i);
    }
  }

  array(): unknown[] {
    const out: unknown[] = [];
    this.i++; // [
    this.skip();
    if (this.text[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      this.skip();
      if (this.text[this.i] === "]") throw new JsoncSyntaxError("trailing comma before ]", this.i);
      out.push(this.value());
      this.skip();
      const next = this.text[this.i];
      if (next === ",") {
        this.i++;
        continue;
      }
      if (next === "]") {
        this.i++;
        return out;
      }
      const what = next === undefined ? "unexpected end of file: expected" : "expected";
      throw new JsoncSyntaxError(`${what} , or ] after an array element`, this.i);
    }
  }

  string(): string {
    const t = this.text;
    const start = this.i;
    this.i++; // opening quote
    let out = "";
    for (;;) {
      const c = t[this.i];
      if (c === undefined || c === "\n") throw new JsoncSyntaxError("unterminated string", start);
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c < " ") throw new JsoncSyntaxError("control character in a string: write it as an escape such as \\t", this.i);
      if (c !== "\\") {
        out += c;
        this.i++;
        continue;
      }
      const e = t[this.i + 1];
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e !== undefined && Object.hasOwn(simple, e)) {
        out += simple[e];
        this.i += 2;
      } else if (e === "u" && /^[0-9A-Fa-f]{4}$/.test(t.slice(this.i + 2, this.i + 6))) {
        out += String.fromCharCode(Number.parseInt(t.slice(this.i + 2, this.i + 6), 16));
        this.i += 6;
      } else {
        throw new JsoncSyntaxError("invalid escape sequence in a string", this.i);
      }
    }
  }

  number(): number {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (m === null) throw new JsoncSyntaxError("invalid number", this.i);
    this.i += m[0].length;
    return Number(m[0]);
  }
}
