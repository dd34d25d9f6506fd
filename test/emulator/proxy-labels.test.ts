// The labels Coolify 4.3 writes for a service container's URL (fqdnLabelsForTraefik, fqdnLabelsForCaddy,
// addTraefikDockerNetworkLabel), checked against the examples of ../shared/notes/ingress.md §1.2.
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { strSlug } from "../../emulator/deploy/deploy-compose";
import { previewDeployment } from "../../emulator/preview";
import {
  fqdnLabelsForTraefik, middlewaresFromLabels, parseFqdn, traefikSafeServiceNameSegment, withProxyLabels, type ProxyLabelInput,
} from "../../emulator/deploy/proxy-labels";

const U = "q8w0e2r4t6y8u0i2o4p6a8s0";

function input(extra: Partial<ProxyLabelInput> = {}): ProxyLabelInput {
  return {
    uuid: U, serviceName: "openclaw", fqdns: ["https://acme.example.com:8080"], image: "coollabsio/openclaw:2026.7.1-2",
    isForceHttpsEnabled: true, isGzipEnabled: true, isStripprefixEnabled: true, noindexDomains: null,
    serviceLabels: ["cloudfreedom.template=openclaw@1.1.0", "coolify.managed=true"], ...extra,
  };
}

// ingress.md §1.2, after the container's own and coolify.* labels.
const EXPECTED_PROXY_LABELS = [
  `traefik.docker.network=${U}`,
  "traefik.enable=true",
  "traefik.http.middlewares.gzip.compress=true",
  "traefik.http.middlewares.redirect-to-https.redirectscheme.scheme=https",
  `traefik.http.routers.http-0-${U}-openclaw-eff9.entryPoints=http`,
  `traefik.http.routers.http-0-${U}-openclaw-eff9.middlewares=redirect-to-https`,
  `traefik.http.routers.http-0-${U}-openclaw-eff9.rule=Host(\`acme.example.com\`) && PathPrefix(\`/\`)`,
  `traefik.http.routers.http-0-${U}-openclaw-eff9.service=http-0-${U}-openclaw-eff9`,
  `traefik.http.routers.https-0-${U}-openclaw-eff9.entryPoints=https`,
  `traefik.http.routers.https-0-${U}-openclaw-eff9.middlewares=gzip`,
  `traefik.http.routers.https-0-${U}-openclaw-eff9.rule=Host(\`acme.example.com\`) && PathPrefix(\`/\`)`,
  `traefik.http.routers.https-0-${U}-openclaw-eff9.service=https-0-${U}-openclaw-eff9`,
  `traefik.http.routers.https-0-${U}-openclaw-eff9.tls.certresolver=letsencrypt`,
  `traefik.http.routers.https-0-${U}-openclaw-eff9.tls=true`,
  `traefik.http.services.http-0-${U}-openclaw-eff9.loadbalancer.server.port=8080`,
  `traefik.http.services.https-0-${U}-openclaw-eff9.loadbalancer.server.port=8080`,
  "caddy_0.encode=zstd gzip",
  "caddy_0.handle_path.0_reverse_proxy={{upstreams 8080}}",
  "caddy_0.handle_path=/*",
  "caddy_0.header=-Server",
  "caddy_0.try_files={path} /index.html /index.php",
  "caddy_0=https://acme.example.com",
  `caddy_ingress_network=${U}`,
];

describe("Coolify 4.3's proxy labels for a service container URL", () => {
  it("names routers after the service uuid and a label-safe segment of the compose key with 4 hex of its md5", () => {
    expect(traefikSafeServiceNameSegment("openclaw")).toBe("openclaw-eff9");
    expect(traefikSafeServiceNameSegment("openwebui")).toBe("openwebui-6bf9");
    expect(traefikSafeServiceNameSegment("api.test")).not.toBe(traefikSafeServiceNameSegment("api-test"));
    expect(traefikSafeServiceNameSegment("api.test")).toMatch(/^api-test-[0-9a-f]{4}$/);
    expect(traefikSafeServiceNameSegment("__")).toMatch(/^service-[0-9a-f]{4}$/);
  });

  it("writes ingress.md's exact label set, in Coolify's order, for one https URL with a port", () => {
    const labels = withProxyLabels(input(), false);
    expect(labels.slice(0, 2)).toEqual(["cloudfreedom.template=openclaw@1.1.0", "coolify.managed=true"]);
    expect(labels.slice(2)).toEqual(EXPECTED_PROXY_LABELS);
  });

  it("takes the router port from the URL only: no port, no service and no loadbalancer label", () => {
    const labels = fqdnLabelsForTraefik(input({ fqdns: ["https://acme.example.com"] }));
    expect(labels.filter((l) => l.includes(".service=") || l.includes("loadbalancer"))).toEqual([]);
    expect(labels).toContain(`traefik.http.routers.https-0-${U}-openclaw-eff9.rule=Host(\`acme.example.com\`) && PathPrefix(\`/\`)`);
  });

  it("keeps a written :443 as the container port, as parse_url does", () => {
    expect(parseFqdn("https://a.example.com:443").port).toBe(443);
    expect(fqdnLabelsForTraefik(input({ fqdns: ["https://a.example.com:443"] }))).toContain(
      `traefik.http.services.https-0-${U}-openclaw-eff9.loadbalancer.server.port=443`,
    );
  });

  it("adds an index-1 router pair for a second URL and emits the shared middlewares once", () => {
    const labels = fqdnLabelsForTraefik(input({ fqdns: ["https://a.example.com:8080", "https://b.example.com:8080"] }));
    expect(labels).toContain(`traefik.http.routers.https-1-${U}-openclaw-eff9.rule=Host(\`b.example.com\`) && PathPrefix(\`/\`)`);
    expect(labels.filter((l) => l === "traefik.http.middlewares.gzip.compress=true")).toHaveLength(1);
    expect(labels.filter((l) => l === "traefik.enable=true")).toHaveLength(1);
  });

  it("serves the http router with the https chain instead of the redirect when force-https is off", () => {
    const labels = fqdnLabelsForTraefik(input({ isForceHttpsEnabled: false }));
    expect(labels).toContain(`traefik.http.routers.http-0-${U}-openclaw-eff9.middlewares=gzip`);
  });

  it("strips a path prefix first and leaves gzip out when gzip is off", () => {
    const labels = fqdnLabelsForTraefik(input({ fqdns: ["https://acme.example.com:8080/app"], isGzipEnabled: false }));
    expect(labels).toContain(`traefik.http.middlewares.https-0-${U}-openclaw-eff9-stripprefix.stripprefix.prefixes=/app`);
    expect(labels).toContain(`traefik.http.routers.https-0-${U}-openclaw-eff9.middlewares=https-0-${U}-openclaw-eff9-stripprefix`);
    expect(labels.some((l) => l.startsWith("traefik.http.middlewares.gzip"))).toBe(false);
  });

  it("writes only an http router, without TLS, for an http URL", () => {
    const labels = fqdnLabelsForTraefik(input({ fqdns: ["http://acme.example.com:8080"] }));
    expect(labels.some((l) => l.includes("https-0-"))).toBe(false);
    expect(labels).toContain(`traefik.http.routers.http-0-${U}-openclaw-eff9.middlewares=gzip`);
  });

  it("chains every middleware a container's own labels name into its routers (the $middlewares_from_labels regex)", () => {
    expect(middlewaresFromLabels(["traefik.http.middlewares.auth.basicauth.users=x", "coolify.traefik.middlewares=a,b", "other=1"])).toEqual(["auth", "a", "b"]);
    const labels = fqdnLabelsForTraefik(input({ serviceLabels: ["coolify.traefik.middlewares=mine"] }));
    expect(labels).toContain(`traefik.http.routers.https-0-${U}-openclaw-eff9.middlewares=gzip,mine`);
  });

  it("keeps a traefik.docker.network the container already names", () => {
    const labels = withProxyLabels(input({ serviceLabels: ["traefik.docker.network=mine"] }), false);
    expect(labels.filter((l) => l.startsWith("traefik.docker.network="))).toEqual(["traefik.docker.network=mine"]);
  });

  it("slugs the names in coolify.* labels as Str::slug does", () => {
    expect(strSlug("Tenant A_b@Co")).toBe("tenant-a-b-at-co");
    expect(strSlug("Café -- Ünï")).toBe("cafe-uni");
  });
});

describe("the deploy compose carries the proxy labels", () => {
  const compose = `services:
  openclaw:
    image: coollabsio/openclaw:2026.7.1-2
    environment:
      - SERVICE_URL_OPENCLAW_8080
    labels:
      cloudfreedom.template: openclaw@1.1.0
  postgres:
    image: postgres:16.4
`;

  it("appends them after the container's own and coolify.* labels, for the URL container only", () => {
    const preview = previewDeployment({
      composeYaml: compose, rows: [], urls: [{ name: "openclaw", url: "https://acme.example.com:8080" }],
      names: { service: "cf-acme", project: "CloudFreedom Tenants", environment: "production" },
    });
    const uuid = preview.service.uuid;
    const doc = load(preview.composeYaml) as { services: Record<string, { labels: string[] }> };
    const labels = doc.services.openclaw.labels;
    expect(labels[0]).toBe("cloudfreedom.template=openclaw@1.1.0");
    expect(labels.slice(1, 14).every((l) => l.startsWith("coolify."))).toBe(true);
    expect(labels).toContain(`coolify.name=openclaw-${uuid}`);
    expect(labels).toContain("coolify.projectName=cloudfreedom-tenants");
    expect(labels.slice(14)).toEqual(EXPECTED_PROXY_LABELS.map((l) => l.replaceAll(U, uuid)));
    expect(doc.services.postgres.labels.some((l) => l.startsWith("traefik.") || l.startsWith("caddy"))).toBe(false);
  });

  it("writes SERVICE_URL_/SERVICE_FQDN_<NAME>_<PORT> with the port into the .env, the base pair without", () => {
    const preview = previewDeployment({ composeYaml: compose, rows: [], urls: [{ name: "openclaw", url: "https://acme.example.com:8080" }] });
    const env = preview.envText.split("\n");
    expect(env).toContain("SERVICE_URL_OPENCLAW=https://acme.example.com");
    expect(env).toContain("SERVICE_FQDN_OPENCLAW=acme.example.com");
    expect(env).toContain("SERVICE_URL_OPENCLAW_8080=https://acme.example.com:8080");
    expect(env).toContain("SERVICE_FQDN_OPENCLAW_8080=acme.example.com:8080");
  });
});
