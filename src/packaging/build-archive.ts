// archive.zip for OCI Data Flow, laid out as Oracle's dependency packager lays it out: the Python packages under
// python/lib/python3.X/site-packages/ (what pip would install from the cached wheels), plus, in that site-packages,
// the job file lake2oci-job.json (the config's parameter values, which the job finds on sys.path) and, only when the
// config chose config-file auth, src/.oci/config and its private key (mode 0600). Deterministic: see
// deterministic-zip.ts.
import { JOB_FILE_NAME } from "../core/job-parameters.ts";
import { DIRECTORY_MODE, FILE_MODE, SECRET_MODE, type WrittenZip, writeDeterministicZip, type ZipInput } from "./deterministic-zip.ts";
import { SHIPPED_OCI_DIR, type ShippedOciConfig } from "./shipped-oci-config.ts";
import { type SiteFile, sitePackagesFiles } from "./site-packages.ts";
import type { DataflowPython, WheelSet } from "./wheels.ts";

export { DIRECTORY_MODE, FILE_MODE, SECRET_MODE };

/** site-packages inside archive.zip for a Python version, e.g. python/lib/python3.11/site-packages. */
export function archiveSitePackages(python: DataflowPython): string {
  return `python/lib/python${python}/site-packages`;
}

/** Where Data Flow unpacks that site-packages (the path the original workflow's config named). */
export function dataflowSitePackages(python: DataflowPython): string {
  return `/opt/dataflow/${archiveSitePackages(python)}`;
}

export interface ArchiveBuildOptions {
  python: DataflowPython;
  wheels: WheelSet;
  /** The archive to write. */
  out: string;
  /** Parameter values written as lake2oci-job.json in site-packages (omitted when undefined). */
  jobFile?: Record<string, unknown>;
  /** Config-file auth: src/.oci/config and the key, in site-packages. */
  shipped?: ShippedOciConfig;
  /** Deflate level, default 6. */
  level?: number;
}

export interface ArchiveResult extends WrittenZip {
  python: DataflowPython;
  /** site-packages in the zip. */
  sitePackages: string;
  /** Files the wheels installed (the build's own files not counted). */
  packageFiles: number;
  /** Entry names of the shipped OCI config and key (empty without config-file auth). */
  shippedEntries: string[];
}

/** The build's own files in site-packages: the job file and the shipped OCI config and key. */
export function lake2ociFiles(options: Pick<ArchiveBuildOptions, "jobFile" | "shipped">): (SiteFile & { mode: number })[] {
  const files: (SiteFile & { mode: number })[] = [];
  const add = (path: string, data: Buffer, mode: number) => files.push({ path, size: data.length, source: "lake2oci", mode, read: () => data });
  if (options.jobFile !== undefined) add(JOB_FILE_NAME, Buffer.from(`${JSON.stringify(options.jobFile, null, 2)}\n`), FILE_MODE);
  const s = options.shipped;
  if (s !== undefined) {
    add(`${SHIPPED_OCI_DIR}/config`, Buffer.from(s.configText), SECRET_MODE);
    if (s.key !== undefined && s.keyName !== undefined) add(`${SHIPPED_OCI_DIR}/${s.keyName}`, s.key, SECRET_MODE);
  }
  return files;
}

export async function buildArchive(options: ArchiveBuildOptions): Promise<ArchiveResult> {
  const site = archiveSitePackages(options.python);
  const packages = sitePackagesFiles(options.wheels);
  const own = lake2ociFiles(options);
  const taken = new Set(packages.map((f) => f.path));
  for (const f of own) {
    if (taken.has(f.path)) throw new Error(`${f.path} is both in a wheel (${packages.find((p) => p.path === f.path)?.source}) and made by the build`);
  }
  const inputs: ZipInput[] = [
    ...packages.map((f) => ({ name: `${site}/${f.path}`, mode: FILE_MODE, read: f.read })),
    ...own.map((f) => ({ name: `${site}/${f.path}`, mode: f.mode, read: f.read })),
  ];
  const written = await writeDeterministicZip(options.out, inputs, { level: options.level });
  return {
    ...written,
    python: options.python,
    sitePackages: site,
    packageFiles: packages.length,
    shippedEntries: own.filter((f) => f.path.startsWith(`${SHIPPED_OCI_DIR}/`)).map((f) => `${site}/${f.path}`),
  };
}
