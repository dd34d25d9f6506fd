import { describe, expect, it } from "vitest";
import { CoolifyApiError, GENERAL_ERRORS_KEY, isConflict, isNotFound } from "../../../lib/coolify";

const TOKEN = "7|s3cretS3cretS3cretValue";

function apiError(status: number, body: unknown, method = "POST", path = "/api/v1/services"): CoolifyApiError {
  return new CoolifyApiError({ method, path, status, body: typeof body === "string" ? body : JSON.stringify(body), token: TOKEN });
}

describe("CoolifyApiError", () => {
  it("names method, path, status and Coolify's message", () => {
    const e = apiError(404, { message: "Service not found." }, "GET", "/api/v1/services/abc");
    expect(e.message).toBe("Coolify API GET /api/v1/services/abc failed (404): Service not found.");
    expect(e.coolifyMessage).toBe("Service not found.");
    expect(isNotFound(e)).toBe(true);
    expect(isConflict(e)).toBe(false);
  });

  it("lists domain conflicts of a 409", () => {
    const e = apiError(409, {
      message: "Domain conflicts detected. Use force_domain_override=true to proceed.",
      conflicts: [{ domain: "https://a.example.com", resource_name: "blog", resource_uuid: "u1", resource_type: "service", message: "m" }],
      warning: "Using the same domain for multiple resources can cause routing conflicts and unpredictable behavior.",
    });
    expect(isConflict(e)).toBe(true);
    expect(e.conflicts).toHaveLength(1);
    expect(e.message).toBe(
      "Coolify API POST /api/v1/services failed (409): Domain conflicts detected. Use force_domain_override=true to proceed.; " +
        "conflicts: https://a.example.com used by service 'blog' (u1)",
    );
  });

  it("normalises a Laravel 422 map of lists", () => {
    const e = apiError(422, { message: "Validation failed.", errors: { name: ["The name field is required."], foo: ["This field is not allowed."] } });
    expect(e.errors).toEqual({ name: ["The name field is required."], foo: ["This field is not allowed."] });
    expect(e.message).toContain("errors: name: The name field is required.; foo: This field is not allowed.");
  });

  it("normalises a hand-built 422 map of strings", () => {
    const e = apiError(422, { message: "Validation failed.", errors: { docker_compose_raw: "The docker_compose_raw should be base64 encoded." } });
    expect(e.errors).toEqual({ docker_compose_raw: ["The docker_compose_raw should be base64 encoded."] });
    expect(e.message).toContain("docker_compose_raw: The docker_compose_raw should be base64 encoded.");
  });

  it("normalises a list-shaped 422 under the general key", () => {
    const e = apiError(422, { message: "Validation failed.", errors: ["Invalid URL: ftp://x", "Invalid URL: y"] });
    expect(e.errors).toEqual({ [GENERAL_ERRORS_KEY]: ["Invalid URL: ftp://x", "Invalid URL: y"] });
    expect(e.message).toContain("errors: Invalid URL: ftp://x; Invalid URL: y");
  });

  it("keeps a 422 with only a message readable", () => {
    const e = apiError(422, { message: "You need to provide at least one of environment_name or environment_uuid." });
    expect(e.errors).toEqual({});
    expect(e.message).toBe(
      "Coolify API POST /api/v1/services failed (422): You need to provide at least one of environment_name or environment_uuid.",
    );
  });

  it("tells the operator what to do on 401 and on a disabled API", () => {
    expect(apiError(401, { message: "Unauthenticated." }, "GET").message).toContain("check the API token");
    expect(apiError(403, { success: true, message: "API is disabled." }, "GET").message).toContain("enable the API");
    expect(apiError(403, { message: "Missing required permissions: deploy" }, "GET").message).toContain("read, write and deploy");
  });

  it("warns that a POST without response may have been applied", () => {
    const e = new CoolifyApiError({ method: "POST", path: "/api/v1/projects", status: 0, cause: new Error("ECONNRESET: socket hang up") });
    expect(e.message).toBe(
      "Coolify API POST /api/v1/projects failed (no response): ECONNRESET: socket hang up; " +
        "the request may or may not have been applied: list the resources before creating again",
    );
  });

  it("reduces an HTML body to text", () => {
    const e = apiError(500, "<html><body><h1>Server Error</h1></body></html>", "GET");
    expect(e.message).toBe("Coolify API GET /api/v1/services failed (500): Server Error");
  });

  it("redacts secret values and the token from the body excerpt", () => {
    const e = apiError(409, {
      message: `Token ${TOKEN} rejected`,
      data: [{ key: "DB_PASSWORD", value: "hunter2", real_value: "hunter2" }],
      docker_compose_raw: "x".repeat(500),
    });
    const json = JSON.stringify(e);
    for (const text of [e.message, e.bodyExcerpt, json]) {
      expect(text).not.toContain("s3cretS3cretS3cretValue");
      expect(text).not.toContain("hunter2");
    }
    expect(e.bodyExcerpt).toContain('"key":"DB_PASSWORD"');
    expect(e.bodyExcerpt).not.toContain("x".repeat(200));
  });

  it("caps the body excerpt", () => {
    const e = apiError(500, { message: "boom", trace: "y".repeat(5000) }, "GET");
    expect(e.bodyExcerpt.length).toBeLessThanOrEqual(801);
  });
});

describe("predicates", () => {
  it("are false for other errors", () => {
    expect(isNotFound(new Error("404"))).toBe(false);
    expect(isConflict({ status: 409 })).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
  });
});
