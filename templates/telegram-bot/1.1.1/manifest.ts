import { defineManifest } from "../../../lib/templates/manifest";
import released from "../1.1.0/manifest";

// Only the compose changed (the health check cadence of the 1.0.1 draft, carried onto 1.1.0); inputs, env,
// limits, checks and engine are 1.1.0's, which is immutable, so reusing it cannot drift.
export default defineManifest({ ...released, version: "1.1.1", status: "draft" });
