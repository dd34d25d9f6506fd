// The Coolify versions this project supports: the ones whose behaviour the emulator (emulator/) models and the
// providers were tested against. One place; the providers refuse to write to any other version unless a run allows
// it (CLOUDFREEDOM_ALLOW_COOLIFY_VERSION), and `npm run coolify:check` reports it. Pure, no network.

/** The oldest and newest version whose behaviour the emulator models (research: coolify-api.md §0, ingress.md §0). */
export const SUPPORTED_COOLIFY_VERSIONS = { min: "4.3.8", max: "4.3.11" } as const;

/** Per run: `CLOUDFREEDOM_ALLOW_COOLIFY_VERSION=<version>` (or `*`) lets the providers write to an unsupported version. */
export const ALLOW_VERSION_ENV = "CLOUDFREEDOM_ALLOW_COOLIFY_VERSION";

/**
 * What changed in the behaviour the program relies on, oldest first; the range starts at the last entry the
 * emulator models. Read this before allowing another version.
 */
export const VERSION_CHANGES: ReadonlyArray<{ version: string; change: string }> = [
  { version: "4.2.0", change: "state-changing routes became POST-only; /services/{uuid}/applications* and /destinations* were added (the Domain provider and destination choice need them)" },
  { version: "4.3.0", change: "Traefik router names use traefikSafeServiceNameSegment() of the compose key (4.2 used the raw key)" },
  { version: "4.3.3", change: "service containers get traefik.docker.network=<service uuid>; before, Traefik picks any network of a container on several" },
  { version: "4.3.8", change: "is_force_https_enabled per service container (default true); before, the http router always redirected to https" },
];

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** `beta.460` of `4.0.0-beta.460`; a pre-release sorts before its release. */
  prerelease?: string;
}

/** `4.3.11`, `v4.3.11` or `4.0.0-beta.460`; undefined for anything else. */
export function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, major, minor, patch, prerelease] = match;
  return { major: Number(major), minor: Number(minor), patch: Number(patch), ...(prerelease ? { prerelease } : {}) };
}

/** Negative, zero or positive as a sorts before, with or after b. Pre-releases compare by their text. */
export function compareVersions(a: Version, b: Version): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return core;
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === undefined) return 1;
  if (b.prerelease === undefined) return -1;
  return a.prerelease.localeCompare(b.prerelease, "en", { numeric: true });
}

export type VersionSupport = "supported" | "below" | "above" | "unknown";

/** Where a version stands against SUPPORTED_COOLIFY_VERSIONS; `unknown` when it does not parse. */
export function versionSupport(text: string): VersionSupport {
  const version = parseVersion(text);
  if (!version) return "unknown";
  if (compareVersions(version, parseVersion(SUPPORTED_COOLIFY_VERSIONS.min)!) < 0) return "below";
  if (compareVersions(version, parseVersion(SUPPORTED_COOLIFY_VERSIONS.max)!) > 0) return "above";
  return "supported";
}

/** `4.3.8 to 4.3.11`. */
export function supportedRange(): string {
  return `${SUPPORTED_COOLIFY_VERSIONS.min} to ${SUPPORTED_COOLIFY_VERSIONS.max}`;
}

/** Whether env allows this version for the run: CLOUDFREEDOM_ALLOW_COOLIFY_VERSION equal to it (a leading v ignored) or `*`. */
export function isVersionAllowed(version: string, env: NodeJS.ProcessEnv): boolean {
  const allowed = (env[ALLOW_VERSION_ENV] ?? "").split(",").map((v) => v.trim().replace(/^v/, "")).filter(Boolean);
  return allowed.includes("*") || allowed.includes(version.trim().replace(/^v/, ""));
}

/** What differs between a version and the supported range, from VERSION_CHANGES. */
export function changesOutside(text: string): string[] {
  const version = parseVersion(text);
  if (!version) return [];
  const min = parseVersion(SUPPORTED_COOLIFY_VERSIONS.min)!;
  return VERSION_CHANGES.filter((c) => compareVersions(version, parseVersion(c.version)!) < 0 && compareVersions(parseVersion(c.version)!, min) <= 0)
    .map((c) => `since ${c.version}: ${c.change}`);
}

/** The fix for an unsupported version, as one sentence; shared by the providers' refusal and coolify:check. */
export function versionFix(version: string, support: VersionSupport): string {
  const allow = `${ALLOW_VERSION_ENV}=${version || "<version>"} pulumi up`;
  if (support === "above") {
    return `check Coolify's release notes for changes to the API and labels the program uses (lib/coolify/versions.ts), then allow it for the run: ${allow}; ` +
      `once the emulator models it, raise SUPPORTED_COOLIFY_VERSIONS.max`;
  }
  if (support === "below") return `update Coolify to ${SUPPORTED_COOLIFY_VERSIONS.max} (Settings, Update), or accept the differences for one run: ${allow}`;
  return `check that coolifyUrl is a Coolify instance (GET /api/v1/version answered "${version}"), or allow it for the run: ${allow}`;
}

/** A write refused because the instance runs a version outside the supported range. */
export class UnsupportedVersionError extends Error {
  constructor(readonly version: string, readonly support: Exclude<VersionSupport, "supported">, readonly url: string) {
    const changes = changesOutside(version);
    super(
      `Coolify at ${url} answers version "${version}", outside the supported range ${supportedRange()} ` +
        `(the versions whose behaviour the emulator models); nothing was written.` +
        (changes.length > 0 ? ` Missing from ${version}: ${changes.join("; ")}.` : "") +
        ` Fix: ${versionFix(version, support)}.`,
    );
    this.name = "UnsupportedVersionError";
  }
}

/** Throws UnsupportedVersionError unless the version is supported or the run allows it. */
export function assertSupportedVersion(version: string, url: string, env: NodeJS.ProcessEnv = process.env): void {
  const support = versionSupport(version);
  if (support === "supported" || isVersionAllowed(version, env)) return;
  throw new UnsupportedVersionError(version, support, url);
}
