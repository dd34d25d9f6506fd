import { scanInterpolation, walkStrings } from "./interpolation";

export const TEMPLATE_LABEL = "cloudfreedom.template";

// Coolify reads the generator type by counting underscores, so the identifier must be one word of
// letters/digits that does not start with a digit (`SERVICE_PASSWORD_64` alone would be ambiguous).
// templates.md §1.2, coolify-api.md §9.
const GENERATED = /^SERVICE_(PASSWORD|PASSWORD_64|PASSWORDWITHSYMBOLS|PASSWORDWITHSYMBOLS_64|USER|LOWERCASEUSER|BASE64|BASE64_32|BASE64_64|BASE64_128|REALBASE64|REALBASE64_32|REALBASE64_64|REALBASE64_128|HEX_32|HEX_64|HEX_128)_([A-Z][A-Z0-9]*)$/;
const URL_DECLARATION = /^SERVICE_(URL|FQDN)_([A-Z][A-Z0-9]*)(?:_(\d{1,5}))?$/;
const FLOATING_TAGS = new Set(["latest", "main", "dev", "stable", "nightly", "main-stable", "main-latest", "edge"]);
const FORBIDDEN_SERVICE_KEYS = ["ports", "container_name", "network_mode", "privileged", "build", "env_file", "extends", "cap_add", "devices", "pid", "ipc"];
const NAMED_VOLUME = /^([a-z][a-z0-9-]*):(\/[^:]*)(?::ro)?$/;

/** True for `SERVICE_*` names Coolify generates a value for (passwords, users, random strings). */
export function isGeneratedSecret(name: string): boolean {
  return GENERATED.test(name);
}

/** Magic variables referenced as `${SERVICE_…}` anywhere in the compose, sorted. */
export function generatedSecretsOf(compose: Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const [, value] of walkStrings(compose)) {
    for (const ref of scanInterpolation(value).refs) if (isGeneratedSecret(ref.name)) names.add(ref.name);
  }
  return [...names].sort();
}

/** Non-magic `${VAR}` references: these must all be provided by the stack's env map. */
export function plainVariablesOf(compose: Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const [, value] of walkStrings(compose)) {
    for (const ref of scanInterpolation(value).refs) if (!ref.name.startsWith("SERVICE_")) names.add(ref.name);
  }
  return [...names].sort();
}

/**
 * Everything in a rendered compose that Coolify would mis-handle or that breaks the platform's rules
 * (templates.md §1, coolify-api.md §9). Empty when the compose is acceptable.
 */
export function findCoolifyViolations(compose: Record<string, unknown>, templateRef: string, engine: 1 | 2 = 2): string[] {
  const problems: string[] = [];
  const services = asRecord(compose.services);
  const volumes = asRecord(compose.volumes) ?? {};
  if (!services || Object.keys(services).length === 0) return ["compose has no services"];
  for (const key of Object.keys(compose)) {
    if (key !== "services" && key !== "volumes") problems.push(`top-level "${key}" is not allowed (Coolify manages networks and the project name)`);
  }
  const serviceNames = new Set(Object.keys(services));

  for (const [path, value] of walkStrings(compose)) {
    const scan = scanInterpolation(value);
    if (scan.error) problems.push(`${path}: ${scan.error}`);
    for (const ref of scan.refs) {
      if (ref.name.startsWith("SERVICE_") && !isGeneratedSecret(ref.name) && !URL_DECLARATION.test(ref.name)) {
        problems.push(`${path}: \${${ref.name}} is not a magic variable Coolify can generate (one-word identifier after the type)`);
      }
      if (ref.name.startsWith("COOLIFY_")) problems.push(`${path}: \${${ref.name}} is Coolify-internal`);
      // Coolify writes SERVICE_URL_X_8080 = https://host:8080 and SERVICE_FQDN_X_8080 = host:8080: the port is the
      // container's, never published, so the value is no public URL (ingress.md §1.3, §4).
      const port = URL_DECLARATION.exec(ref.name)?.[3];
      if (port !== undefined) {
        const base = ref.name.slice(0, -(port.length + 1));
        problems.push(`${path}: \${${ref.name}} is "<url>:${port}" in Coolify (the container port), not a public URL; read \${${base}}`);
      }
    }
  }

  for (const [name, raw] of Object.entries(services)) {
    const service = asRecord(raw);
    if (!service) {
      problems.push(`services.${name} is not a mapping`);
      continue;
    }
    if (!/^[a-z][a-z0-9]*$/.test(name)) problems.push(`services.${name}: service names must be lower-case letters/digits (SERVICE_URL_<NAME> mapping)`);
    for (const key of FORBIDDEN_SERVICE_KEYS) if (key in service) problems.push(`services.${name}.${key} is not allowed`);
    checkImage(name, service.image, problems);
    if (typeof service.restart !== "string") problems.push(`services.${name}.restart is missing`);
    const healthcheck = asRecord(service.healthcheck);
    if (service.restart !== "no" && (!healthcheck || !Array.isArray(healthcheck.test) || healthcheck.disable === true)) {
      problems.push(`services.${name}.healthcheck.test is missing (Coolify reports running:unknown without it)`);
    }
    const limits = asRecord(asRecord(asRecord(service.deploy)?.resources)?.limits);
    if (!limits || limits.cpus === undefined || limits.memory === undefined) problems.push(`services.${name}.deploy.resources.limits needs cpus and memory`);
    if (engine === 1) {
      if (typeof service.pids_limit !== "number") problems.push(`services.${name}.pids_limit is missing`);
    } else {
      // compose's consistency check refuses pids_limit beside deploy limits without the same pids (issue 9).
      if (typeof limits?.pids !== "number") problems.push(`services.${name}.deploy.resources.limits.pids is missing`);
      if ("pids_limit" in service) problems.push(`services.${name}.pids_limit is not allowed (set deploy.resources.limits.pids)`);
    }
    checkLabels(name, service.labels, templateRef, problems);
    checkEnvironment(name, service.environment, serviceNames, problems);
    for (const mount of Array.isArray(service.volumes) ? service.volumes : []) {
      const match = typeof mount === "string" ? NAMED_VOLUME.exec(mount) : null;
      if (!match) problems.push(`services.${name}.volumes: ${JSON.stringify(mount)} is not a named volume mount`);
      else if (!(match[1] in volumes)) problems.push(`services.${name}.volumes: volume "${match[1]}" is not declared at top level`);
    }
  }
  return problems;
}

function checkImage(name: string, image: unknown, problems: string[]): void {
  const match = typeof image === "string" ? /^[a-z0-9./_-]+:([A-Za-z0-9._-]+)$/.exec(image) : null;
  if (!match) problems.push(`services.${name}.image must be <repository>:<tag>`);
  else if (FLOATING_TAGS.has(match[1]) || match[1].endsWith("-latest")) problems.push(`services.${name}.image uses the floating tag "${match[1]}"`);
}

function checkLabels(name: string, labels: unknown, templateRef: string, problems: string[]): void {
  const map = asRecord(labels);
  if (!map || map[TEMPLATE_LABEL] !== templateRef) problems.push(`services.${name}.labels["${TEMPLATE_LABEL}"] must be "${templateRef}"`);
  for (const key of Object.keys(map ?? {})) {
    // Coolify appends its own coolify.* and traefik.* labels and wins on duplicates; our middlewares
    // would also be chained into every generated router (templates.md §1.4).
    if (key.startsWith("coolify.") || key.startsWith("traefik.") || key.startsWith("caddy")) {
      problems.push(`services.${name}.labels: "${key}" collides with labels Coolify generates`);
    }
  }
}

function checkEnvironment(name: string, environment: unknown, serviceNames: Set<string>, problems: string[]): void {
  if (environment === undefined) return;
  if (!Array.isArray(environment)) {
    problems.push(`services.${name}.environment must be a list of KEY=value entries`);
    return;
  }
  const seen = new Set<string>();
  for (const entry of environment) {
    const match = typeof entry === "string" ? /^([A-Za-z_][A-Za-z0-9_]*)(=.*)?$/s.exec(entry) : null;
    if (!match) {
      problems.push(`services.${name}.environment: ${JSON.stringify(entry)} is not KEY=value`);
      continue;
    }
    const key = match[1];
    if (seen.has(key)) problems.push(`services.${name}.environment: duplicate ${key}`);
    seen.add(key);
    const declaration = URL_DECLARATION.exec(key);
    if (declaration) {
      if (declaration[2] !== name.toUpperCase()) {
        problems.push(`services.${name}.environment: ${key} names "${declaration[2].toLowerCase()}", not this service`);
      }
      if (!serviceNames.has(declaration[2].toLowerCase())) problems.push(`services.${name}.environment: ${key} refers to no compose service`);
    } else if (key.startsWith("SERVICE_") && match[2] === undefined) {
      problems.push(`services.${name}.environment: ${key} without a value is not a domain declaration`);
    }
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
