// Host names as tenants type them and as Traefik routes them. Pure. A custom domain arrives in many spellings
// of one host (`Shop.Example.com`, `shop.example.com.`, `shop.example.com:443`, `bücher.de`); every judgement and
// everything sent to Coolify uses the one normalised form.
import { domainToASCII } from "node:url";
import { isHostName } from "./templates/inputs";

/** The one host-name rule (lib/templates/inputs.ts): two or more DNS labels, the last not numeric, no wildcard. */
export { isHostName };

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

/** The normalised host name of `raw`, or null when `raw` is not one (a scheme, path, wildcard, IP address, ...). */
export function hostNameOf(raw: string): string | null {
  const host = normaliseHost(raw);
  return host !== null && isHostName(host) ? host : null;
}
