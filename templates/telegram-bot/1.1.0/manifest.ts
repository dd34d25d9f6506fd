import { defineManifest } from "../../../lib/templates/manifest";
import released from "../1.0.0/manifest";

// Inputs, env values, limits and checks are 1.0.0's (immutable, so reusing it cannot drift); engine 2 changes how
// the values reach the container: any prompt the schema accepts arrives byte for byte.
export default defineManifest({ ...released, version: "1.1.0", status: "released", engine: 2 });
