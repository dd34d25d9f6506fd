import { dump } from "js-yaml";
import { PLAN_TIERS, renderStack, type RenderInput } from "../templates";
import { QUICK } from "./support";
import { entry, type Bench } from "./types";

const TENANTS = QUICK ? 100 : 1_000;
const TEMPLATES = ["openclaw", "telegram-bot", "llm-stack"];

function inputFor(n: number): RenderInput {
  const template = TEMPLATES[n % TEMPLATES.length];
  const slug = `tenant-${n}`;
  const bot = template === "telegram-bot";
  return {
    template,
    tenant: {
      slug,
      settings: bot ? { allowedUserIds: [String(100_000 + n)] } : template === "openclaw" ? { telegramAllowFrom: [String(100_000 + n)] } : { webuiName: `Chat ${n}` },
      secrets: template === "llm-stack" ? {} : { telegramBotToken: `${100_000 + n}:BENCH_fake_token_not_real_${String(n).padStart(8, "0")}` },
    },
    plan: { tier: PLAN_TIERS[n % PLAN_TIERS.length], models: ["gpt-4o-mini", "gpt-4o"] },
    platform: { aiRouterUrl: "https://ai-router.bench.invalid/v1", aiRouterKey: `sk-bench-${n}-not-real`, baseDomain: "agents.bench.invalid" },
    domains: bot ? [] : [`${slug}.agents.bench.invalid`],
  };
}

/** Render time per tenant over 1,000 tenants (quick: 100; goal < 1 ms), against a bare js-yaml dump of the same compose objects. */
export const run: Bench = async () => {
  const inputs = Array.from({ length: TENANTS }, (_, n) => inputFor(n));
  for (const input of inputs.slice(0, 30)) renderStack(input); // warm-up: template parse, JIT

  let start = process.hrtime.bigint();
  const stacks = inputs.map((input) => renderStack(input));
  const renderMs = Number(process.hrtime.bigint() - start) / 1e6;

  start = process.hrtime.bigint();
  let bytes = 0;
  for (const stack of stacks) bytes += dump(stack.compose, { lineWidth: -1, noRefs: true }).length;
  const dumpMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (bytes === 0) throw new Error("baseline produced no output");

  return [entry("templates.render", `ms per tenant (${TENANTS.toLocaleString("en-US")} tenants, 3 templates x 3 tiers)`, renderMs / TENANTS, "ms", dumpMs / TENANTS)];
};
