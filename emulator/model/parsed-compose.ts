// A compose as the API's create/PATCH reads it (api/compose.ts parseCompose); the model's parse (magic-vars.ts)
// builds sub-resources and rows from it.
import type { JsonObject } from "./json";

export interface ComposeVolume {
  source: string;
  target: string;
  kind: "named" | "bind";
}

export interface ComposeService {
  name: string;
  image: string;
  kind: "application" | "database";
  /** `environment:` entries as written (list form converted to key/value). */
  environment: Array<{ key: string; value: string | null }>;
  /** Every `${...}` expression anywhere in the service definition, inner text only. */
  references: string[];
  excludeFromStatus: boolean;
  volumes: ComposeVolume[];
}

export interface ParsedCompose {
  /** The document with Coolify-only volume keys removed; what gets re-serialised. */
  document: JsonObject;
  services: ComposeService[];
}
