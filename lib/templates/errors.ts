/** What went wrong, where, and what to do about it; rendered into the message. */
export interface TemplateErrorDetails {
  /** Tenant slug as given (quoted in the message, so hostile input cannot forge lines). */
  tenant: string;
  /** Template id, `<id>@<version>` once the version is known. */
  template: string;
  /** Dotted path of the offending input, e.g. `secrets.telegramBotToken` or `domains[1]`. */
  field: string;
  problem: string;
  fix: string;
}

/** The one error type of template lookup and rendering. */
export class TemplateError extends Error {
  readonly tenant: string;
  readonly template: string;
  readonly field: string;
  readonly problem: string;
  readonly fix: string;

  constructor(details: TemplateErrorDetails) {
    super(
      `template ${quote(details.template)} for tenant ${quote(details.tenant)}: ` +
        `${details.field}: ${details.problem}. Fix: ${details.fix}`,
    );
    this.name = "TemplateError";
    this.tenant = details.tenant;
    this.template = details.template;
    this.field = details.field;
    this.problem = details.problem;
    this.fix = details.fix;
  }

  toJSON(): TemplateErrorDetails & { name: string; message: string } {
    const { tenant, template, field, problem, fix, name, message } = this;
    return { name, message, tenant, template, field, problem, fix };
  }
}

/** JSON-quoted and cut to 80 characters, so a hostile slug cannot flood or forge log lines. */
function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
