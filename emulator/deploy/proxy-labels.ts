// The proxy labels Coolify 4.3 puts on a service container with a URL (ingress.md §1): serviceParser
// (bootstrap/helpers/parsers.php) adds `traefik.docker.network=<uuid>` (addTraefikDockerNetworkLabel), then, with the
// server setting generate_exact_labels off (the default), fqdnLabelsForTraefik and fqdnLabelsForCaddy
// (bootstrap/helpers/docker.php), each list sorted as PHP sorts strings (byte order).
import { createHash } from "node:crypto";

/** What fqdnLabelsForTraefik/-Caddy read for one ServiceApplication (serviceParser passes no onlyPort for services). */
export interface ProxyLabelInput {
  /** The service's uuid (routers are named after it, not after the container). */
  uuid: string;
  /** The compose service key. */
  serviceName: string;
  /** The comma-split fqdn column, empty entries dropped. */
  fqdns: string[];
  image: string;
  isForceHttpsEnabled: boolean;
  isGzipEnabled: boolean;
  isStripprefixEnabled: boolean;
  noindexDomains: string[] | null;
  /** The container's labels so far (its own, then coolify.*, `$` escaped): their middlewares join every router. */
  serviceLabels: string[];
}

/** Spatie Url::fromString (parse_url): the port as written (443 too), path `/` when absent. */
export function parseFqdn(fqdn: string): { scheme: string; host: string; port: number | null; path: string } {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#:]*)(?::(\d*))?([^?#]*)/.exec(fqdn.trim());
  if (!match) return { scheme: "", host: fqdn.trim(), port: null, path: "/" };
  const port = match[3] ? Number(match[3]) : null;
  return { scheme: match[1].toLowerCase(), host: match[2], port, path: match[4] === "" ? "/" : match[4] };
}

/** docker.php traefikSafeServiceNameSegment: label-safe name plus the first 4 hex digits of md5(name). */
export function traefikSafeServiceNameSegment(serviceName: string): string {
  let normalized = serviceName.replace(/\./g, "-").replace(/_/g, "-").replace(/[^a-zA-Z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-+|-+$/g, "");
  if (normalized === "") normalized = "service";
  return `${normalized}-${createHash("md5").update(serviceName).digest("hex").slice(0, 4)}`;
}

/** parsers.php addTraefikDockerNetworkLabel: only when no label already names traefik.docker.network. */
export function addTraefikDockerNetworkLabel(labels: string[], network: string): string[] {
  if (labels.some((label) => label.split("=")[0] === "traefik.docker.network")) return labels;
  return [...labels, `traefik.docker.network=${network}`];
}

/** PHP sort() of label strings: byte order. */
function phpSort(labels: string[]): string[] {
  return [...labels].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function normaliseDomain(url: string): string {
  return url.trim().toLowerCase().replace(/\/+$/, "");
}

function isNoindexDomain(domain: string, noindex: string[] | null): boolean {
  return (noindex ?? []).some((d) => normaliseDomain(d) === normaliseDomain(domain));
}

/** The middleware names a container's own labels define or list (`$middlewares_from_labels`), in order, unique. */
export function middlewaresFromLabels(labels: string[]): string[] {
  const names: string[] = [];
  for (const label of labels) {
    const defined = /traefik\.http\.middlewares\.(.*?)(\.|$)/.exec(label);
    if (defined) names.push(defined[1]);
    else {
      const listed = /coolify\.traefik\.middlewares=(.*)/.exec(label);
      if (listed) names.push(...listed[1].split(","));
    }
  }
  // PHP's filter() drops "" and "0".
  return [...new Set(names.filter((n) => n !== "" && n !== "0"))];
}

/** docker.php fqdnLabelsForTraefik for a service container (redirect direction `both`, no basic auth). */
export function fqdnLabelsForTraefik(input: ProxyLabelInput): string[] {
  const { uuid, image } = input;
  const labels = ["traefik.enable=true"];
  if (input.isGzipEnabled) labels.push("traefik.http.middlewares.gzip.compress=true");
  labels.push("traefik.http.middlewares.redirect-to-https.redirectscheme.scheme=https");
  const fromLabels = middlewaresFromLabels(input.serviceLabels);
  const ghost = image.includes("ghost");
  input.fqdns.forEach((domain, loop) => {
    const { scheme, host, port, path } = parseFqdn(domain);
    const segment = traefikSafeServiceNameSegment(input.serviceName);
    const httpLabel = `http-${loop}-${uuid}-${segment}`;
    const httpsLabel = `https-${loop}-${uuid}-${segment}`;
    if (ghost) {
      labels.push(`traefik.http.middlewares.redir-ghost-${uuid}.redirectregex.regex=^${path}/(.*)`);
      labels.push(`traefik.http.middlewares.redir-ghost-${uuid}.redirectregex.replacement=/$1`);
      labels.push(`caddy_${loop}.handle_path.${loop}_redir-ghost-${uuid}.handler=rewrite`);
      labels.push(`caddy_${loop}.handle_path.${loop}_redir-ghost-${uuid}.rewrite.regexp=^${path}/(.*)`);
      labels.push(`caddy_${loop}.handle_path.${loop}_redir-ghost-${uuid}.rewrite.replacement=/$1`);
    }
    const noindexName = `${loop}-${uuid}-noindex`;
    const noindex = isNoindexDomain(domain, input.noindexDomains);
    if (noindex) labels.push(`traefik.http.middlewares.${noindexName}.headers.customresponseheaders.X-Robots-Tag=noindex, nofollow`);
    const rule = `Host(\`${host}\`) && PathPrefix(\`${path}\`)`;
    /** The chain of a router that serves (https, or plain http): stripprefix, gzip, ghost, noindex, the container's own. */
    const servingMiddlewares = (label: string): string[] => {
      const chain: string[] = [];
      if (path !== "/" && input.isStripprefixEnabled && !ghost) {
        labels.push(`traefik.http.middlewares.${label}-stripprefix.stripprefix.prefixes=${path}`);
        chain.push(`${label}-stripprefix`);
      }
      if (input.isGzipEnabled) chain.push("gzip");
      if (ghost) chain.push(`redir-ghost-${uuid}`);
      if (noindex) chain.push(noindexName);
      chain.push(...fromLabels);
      return chain;
    };
    if (scheme === "https") {
      labels.push(`traefik.http.routers.${httpsLabel}.rule=${rule}`);
      labels.push(`traefik.http.routers.${httpsLabel}.entryPoints=https`);
      if (port) {
        labels.push(`traefik.http.routers.${httpsLabel}.service=${httpsLabel}`);
        labels.push(`traefik.http.services.${httpsLabel}.loadbalancer.server.port=${port}`);
      }
      const chain = servingMiddlewares(httpsLabel);
      if (chain.length > 0) labels.push(`traefik.http.routers.${httpsLabel}.middlewares=${chain.join(",")}`);
      labels.push(`traefik.http.routers.${httpsLabel}.tls=true`);
      labels.push(`traefik.http.routers.${httpsLabel}.tls.certresolver=letsencrypt`);
      labels.push(`traefik.http.routers.${httpLabel}.rule=${rule}`);
      labels.push(`traefik.http.routers.${httpLabel}.entryPoints=http`);
      if (port) {
        labels.push(`traefik.http.services.${httpLabel}.loadbalancer.server.port=${port}`);
        labels.push(`traefik.http.routers.${httpLabel}.service=${httpLabel}`);
      }
      // v4.3.8+: with force-https off the http router serves with the https router's chain (ingress.md §0).
      const httpChain = input.isForceHttpsEnabled ? [...(noindex ? [noindexName] : []), "redirect-to-https"] : chain;
      if (httpChain.length > 0) labels.push(`traefik.http.routers.${httpLabel}.middlewares=${httpChain.join(",")}`);
    } else {
      labels.push(`traefik.http.routers.${httpLabel}.rule=${rule}`);
      labels.push(`traefik.http.routers.${httpLabel}.entryPoints=http`);
      if (port) {
        labels.push(`traefik.http.services.${httpLabel}.loadbalancer.server.port=${port}`);
        labels.push(`traefik.http.routers.${httpLabel}.service=${httpLabel}`);
      }
      const chain = servingMiddlewares(httpLabel);
      if (chain.length > 0) labels.push(`traefik.http.routers.${httpLabel}.middlewares=${chain.join(",")}`);
    }
  });
  return phpSort(labels);
}

/** docker.php fqdnLabelsForCaddy for a service container (ignored by Traefik; written all the same). */
export function fqdnLabelsForCaddy(input: ProxyLabelInput): string[] {
  const labels = [`caddy_ingress_network=${input.uuid}`];
  const handle = input.isStripprefixEnabled ? "handle_path" : "handle";
  input.fqdns.forEach((domain, loop) => {
    const { scheme, host, port, path } = parseFqdn(domain);
    labels.push(`caddy_${loop}=${scheme}://${host}`);
    if (isNoindexDomain(domain, input.noindexDomains)) {
      labels.push(`caddy_${loop}.header.0_-Server=`);
      labels.push(`caddy_${loop}.header.1_X-Robots-Tag="noindex, nofollow"`);
    } else {
      labels.push(`caddy_${loop}.header=-Server`);
    }
    labels.push(`caddy_${loop}.try_files={path} /index.html /index.php`);
    labels.push(`caddy_${loop}.${handle}.${loop}_reverse_proxy={{upstreams${port ? ` ${port}` : ""}}}`);
    labels.push(`caddy_${loop}.${handle}=${path}*`);
    if (input.isGzipEnabled) labels.push(`caddy_${loop}.encode=zstd gzip`);
  });
  return phpSort(labels);
}

/**
 * serviceParser's proxy step for a container with URLs: the network label, then the sorted Traefik labels, then the
 * sorted Caddy labels, appended to the labels it already has. `networkMode` containers get no network label.
 */
export function withProxyLabels(input: ProxyLabelInput, networkMode: boolean): string[] {
  if (input.fqdns.length === 0) return input.serviceLabels;
  let labels = networkMode ? input.serviceLabels : addTraefikDockerNetworkLabel(input.serviceLabels, input.uuid);
  labels = [...labels, ...fqdnLabelsForTraefik({ ...input, serviceLabels: labels })];
  return [...labels, ...fqdnLabelsForCaddy({ ...input, serviceLabels: labels })];
}
