// Partitioning a plan's copies into Spark tasks (src/core/partition.ts): the shared vectors (test/vectors/
// partition.json, also run against the Python translation by test/codegen/parity.test.ts), and properties that must
// hold for any plan: every byte of every file copied exactly once, part numbers and sizes within OCI's limits, at
// most targetTasks tasks, balanced within one unit, plan order kept, the same result for the same input.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_FILE_COST,
  DEFAULT_MIN_PART_SIZE,
  DEFAULT_MULTIPART_THRESHOLD,
  MAX_OBJECT_SIZE,
  MAX_PART_COUNT,
  MAX_PART_SIZE,
  MIB,
  type PartitionOptions,
  defaultPartitionOptions,
  partSizeFor,
  partitionPlan,
  targetTaskCount,
} from "../../src/core/partition.ts";
import type { PlanEntry } from "../../src/core/plan-types.ts";
import { seededRandom } from "./seeded-random.ts";

const vectors = join(dirname(fileURLToPath(import.meta.url)), "..", "vectors", "partition.json");

interface VectorCase {
  name: string;
  given: { entries: PlanEntry[]; options: Partial<PartitionOptions> };
  want: unknown;
}

function copy(name: string, size: number): PlanEntry {
  return { sourceName: name, sourceSize: size, targetName: `t/${name}`, targetSize: null, status: "new", action: "copy", evidence: "absent", reason: "" };
}

describe("partition: vectors (test/vectors/partition.json)", () => {
  const cases = (JSON.parse(readFileSync(vectors, "utf8")) as { cases: VectorCase[] }).cases;
  it("has cases", () => assert.ok(cases.length >= 10));
  for (const c of cases) {
    it(c.name, () => {
      const got = partitionPlan(c.given.entries, { ...defaultPartitionOptions(4), ...c.given.options });
      assert.deepEqual(JSON.parse(JSON.stringify(got)), c.want);
    });
  }
});

describe("partition: part sizes", () => {
  const table: { given: [number, number]; want: number }[] = [
    { given: [0, DEFAULT_MIN_PART_SIZE], want: 8 * MIB },
    { given: [200 * MIB, DEFAULT_MIN_PART_SIZE], want: 8 * MIB },
    { given: [80000 * MIB, DEFAULT_MIN_PART_SIZE], want: 8 * MIB },
    { given: [80000 * MIB + 1, DEFAULT_MIN_PART_SIZE], want: 9 * MIB },
    { given: [MAX_OBJECT_SIZE, DEFAULT_MIN_PART_SIZE], want: 1049 * MIB },
    { given: [10, 1], want: MIB },
    { given: [10, MIB + 1], want: 2 * MIB },
  ];
  for (const c of table) {
    it(`partSizeFor(${c.given.join(", ")}) = ${c.want}`, () => assert.equal(partSizeFor(...c.given), c.want));
  }

  it("keeps every size up to 10 TiB within 10,000 parts of at most 50 GiB", () => {
    const random = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const size = i === 0 ? MAX_OBJECT_SIZE : Math.floor(random.next() * MAX_OBJECT_SIZE);
      const part = partSizeFor(size, DEFAULT_MIN_PART_SIZE);
      assert.ok(Math.ceil(size / part) <= MAX_PART_COUNT, `size ${size}: ${Math.ceil(size / part)} parts`);
      assert.ok(part <= MAX_PART_SIZE && part % MIB === 0 && part >= DEFAULT_MIN_PART_SIZE);
    }
  });
});

describe("partition: task counts", () => {
  it("targetTaskCount is tasksPerCore for every core, at least 1", () => {
    assert.equal(targetTaskCount(2, 4, 3), 24);
    assert.equal(targetTaskCount(0, 4, 3), 1);
    assert.equal(targetTaskCount(1, 1, 0.5), 1);
  });

  it("defaultPartitionOptions", () => {
    assert.deepEqual(defaultPartitionOptions(12), {
      targetTasks: 12,
      multipartThreshold: DEFAULT_MULTIPART_THRESHOLD,
      minPartSize: DEFAULT_MIN_PART_SIZE,
      fileCost: DEFAULT_FILE_COST,
    });
  });
});

/** Checks every invariant of a partition of `entries` (all copies) under `options`. */
function checkInvariants(entries: PlanEntry[], options: PartitionOptions): void {
  const result = partitionPlan(entries, options);
  assert.deepEqual(result.errors, []);
  assert.ok(result.tasks.length <= options.targetTasks);
  const units = result.tasks.flatMap((t) => t.units);
  let bytes = 0;
  let total = 0;
  let largest = 0;
  result.tasks.forEach((t, i) => {
    assert.equal(t.index, i);
    assert.ok(t.units.length > 0, "no empty task");
    assert.equal(
      t.bytes,
      t.units.reduce((s, u) => s + u.length, 0),
    );
    assert.equal(
      t.cost,
      t.units.reduce((s, u) => s + u.length + options.fileCost, 0),
    );
    total += t.cost;
    for (const u of t.units) largest = Math.max(largest, u.length + options.fileCost);
  });
  // Every file, in plan order, covered exactly once by its units.
  let u = 0;
  for (const e of entries) {
    const size = e.sourceSize ?? -1;
    bytes += size;
    const first = units[u];
    assert.equal(first.sourceName, e.sourceName);
    if (first.kind === "whole") {
      assert.deepEqual([first.offset, first.length, first.size], [0, size, size]);
      assert.ok(size < options.multipartThreshold || size <= partSizeFor(size, options.minPartSize));
      u += 1;
      continue;
    }
    assert.ok(size >= options.multipartThreshold);
    let next = 1;
    let offset = 0;
    while (u < units.length && units[u].sourceName === e.sourceName && units[u].kind === "parts" && units[u].firstPart === next) {
      const p = units[u];
      assert.equal(p.partSize, partSizeFor(size, options.minPartSize));
      assert.ok(p.partCount <= MAX_PART_COUNT && p.lastPart >= p.firstPart);
      assert.equal(p.offset, offset);
      assert.equal(p.length, Math.min(p.lastPart * p.partSize, size) - offset);
      offset += p.length;
      next = p.lastPart + 1;
      u += 1;
    }
    assert.equal(offset, size, `${e.sourceName}: the part ranges cover the file`);
    assert.equal(next - 1, Math.ceil(size / partSizeFor(size, options.minPartSize)));
    const upload = result.uploads.find((x) => x.sourceName === e.sourceName);
    const holders = result.tasks.filter((t) => t.units.some((x) => x.sourceName === e.sourceName)).map((t) => t.index);
    assert.deepEqual(upload?.tasks, holders);
  }
  assert.equal(u, units.length);
  assert.equal(result.bytes, bytes);
  assert.equal(result.files, entries.length);
  // Balance: a task's units have their midpoints within one share, so its cost exceeds the share by less than a unit.
  const share = total / options.targetTasks;
  for (const t of result.tasks) assert.ok(t.cost <= share + largest, `task ${t.index} cost ${t.cost} > ${share} + ${largest}`);
  // Deterministic.
  assert.deepEqual(partitionPlan(entries, options), result);
}

describe("partition: properties of random plans", () => {
  it("hold for 300 seeded plans (sizes from 0 bytes to 10 TiB)", () => {
    const random = seededRandom(2024);
    for (let n = 0; n < 300; n++) {
      const entries: PlanEntry[] = [];
      const count = random.below(40);
      for (let i = 0; i < count; i++) {
        const kind = random.below(10);
        const size =
          kind < 5
            ? random.below(4096)
            : kind < 8
              ? random.below(512 * MIB)
              : kind < 9
                ? random.below(64 * 1024 * MIB)
                : MAX_OBJECT_SIZE - random.below(3);
        entries.push(copy(`f${i}`, size));
      }
      const options: PartitionOptions = {
        targetTasks: 1 + random.below(50),
        multipartThreshold: random.pick([MIB, 16 * MIB, DEFAULT_MULTIPART_THRESHOLD]),
        minPartSize: random.pick([MIB, DEFAULT_MIN_PART_SIZE, 100 * MIB]),
        fileCost: random.pick([0, 1, DEFAULT_FILE_COST]),
      };
      checkInvariants(entries, options);
    }
  });

  it("spreads one huge file over several tasks and keeps many small files together", () => {
    const entries = [copy("huge", 100 * 1024 * MIB)];
    for (let i = 0; i < 1000; i++) entries.push(copy(`small-${i}`, 1000));
    const result = partitionPlan(entries, defaultPartitionOptions(24));
    const holding = result.tasks.filter((t) => t.units.some((u) => u.sourceName === "huge"));
    assert.ok(holding.length >= 20, `the huge file is in ${holding.length} tasks`);
    const smallTasks = result.tasks.filter((t) => t.units.some((u) => u.sourceName.startsWith("small-")));
    assert.ok(smallTasks.length <= 2, `1000 small files are spread over ${smallTasks.length} tasks`);
  });
});
