// How the check commands (pocketbase:check, coolify:check) print their findings: one line each, the fix indented
// below every warning and problem, then a summary line.

export interface PrintableFinding {
  level: "ok" | "warning" | "problem";
  message: string;
  fix?: string;
}

/** The findings as text; `verdict` words the last line for problems found and for none. */
export function formatFindings(findings: PrintableFinding[], verdict: { failed: string; passed: string }): string {
  const label = { ok: "ok      ", warning: "warning ", problem: "PROBLEM " };
  const lines = findings.flatMap((finding) => [
    `${label[finding.level]} ${finding.message}`,
    ...(finding.fix !== undefined && finding.level !== "ok" ? [`         fix: ${finding.fix}`] : []),
  ]);
  const problems = findings.filter((finding) => finding.level === "problem").length;
  const warnings = findings.filter((finding) => finding.level === "warning").length;
  lines.push(problems > 0 ? `${problems} problem(s), ${warnings} warning(s): ${verdict.failed}` : `No problems (${warnings} warning(s)): ${verdict.passed}`);
  return lines.join("\n");
}
