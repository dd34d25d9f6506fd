// Host names as tenants type them and as Traefik routes them. Pure. A custom domain arrives in many spellings
// of one host (`Shop.Example.com`, `shop.example.com.`, `shop.example.com:443`, `bücher.de`); every judgement and
// everything sent to Coolify uses the one normalised form.
import { domainToASCII } from "node:url";

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Lower case, punycode (IDNA, as browsers and Traefik see the name), without one trailing dot and without a
 * `:port`; null when nothing host-like is left. Does not judge the result: see `isHostName`.
 */
export function normaliseHost(raw: string): string | null {
  let host = raw.trim();
  const port = /^([^:]*):\d{1,5}$/.exec(host);
  if (port) host = port[1];
  if (host.endsWith(".")) host = host.slice(0, -1);
  const ascii = domainToASCII(host);
  return ascii === "" ? null : ascii;
}

/** Two or more DNS labels, the last not numeric (so no IPv4 address); no wildcard, no empty label. */
export function isHostName(host: string): boolean {
  const labels = host.split(".");
  return host.length <= 253 && labels.length >= 2 && labels.every((label) => LABEL.test(label)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/** The normalised host name of `raw`, or null when `raw` is not one (a scheme, path, wildcard, IP address, ...). */
export function hostNameOf(raw: string): string | null {
  const host = normaliseHost(raw);
  return host !== null && isHostName(host) ? host : null;
}
