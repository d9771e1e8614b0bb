// Process-tree readings from Linux /proc for the benchmarks: the descendants of a process (by scanning every
// process's parent, since a multi-threaded parent such as the JVM forks from threads other than its main one), the
// CPU time of one process, and its resident memory now and at its peak. Values of processes that are gone read as 0.
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux for x86 and arm). */
const TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm)": state is index 0, ppid 1, utime 11, stime 12.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Every live process under `root` (not `root` itself), found through their parent pids. */
export function descendants(root: number): number[] {
  return processTree(root).map((p) => p.pid);
}

/** Every live process under `root` (not `root` itself) with its parent, parents before children. */
export function processTree(root: number): { pid: number; ppid: number }[] {
  const parentOf = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    const ppid = Number(fields[1]);
    const list = parentOf.get(ppid);
    if (list) list.push(Number(entry));
    else parentOf.set(ppid, [Number(entry)]);
  }
  const out: { pid: number; ppid: number }[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of parentOf.get(pid) ?? []) {
      out.push({ pid: child, ppid: pid });
      queue.push(child);
    }
  }
  return out;
}

/** User + system CPU seconds of one process (its own threads, not its children). */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND : 0;
}

/**
 * User + system CPU seconds of one process and of the children it has reaped (cutime, cstime): what would reach its
 * parent's RUSAGE_CHILDREN when it is reaped in turn.
 */
export function cpuSecondsWithReaped(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND : 0;
}

/**
 * Whether the process ignores SIGCHLD (SigIgn bit 17). Its children are then reaped by the kernel and their CPU time
 * reaches nobody's RUSAGE_CHILDREN (PySpark's daemon does this for its workers).
 */
export function ignoresSigchld(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const mask = /^SigIgn:\s+([0-9a-f]+)/m.exec(status)?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & (1n << 16n)) !== 0n;
  } catch {
    return false;
  }
}

/** Resident memory of one process now (VmRSS) and at its peak so far (VmHWM), in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rss: kib("VmRSS"), peak: kib("VmHWM") };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/** The command line of one process, arguments joined by spaces ("" when it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}
