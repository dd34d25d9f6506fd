package main

import (
	"strings"
	"testing"
)

const botCompose = `services:
  bot:
    image: example/bot:1.0
    environment:
      - PROMPT=${CF_PROMPT}
      - ROUTER=${CF_URL}
      - CONFIG=${CF_CONFIG}
    env_file: [.env]
    deploy:
      resources:
        limits: {cpus: 0.5, memory: 384M, pids: 256}
`

func resolveBot(t *testing.T, env string) (*Result, error) {
	t.Helper()
	return Resolve(Case{ComposeYAML: botCompose, EnvText: env})
}

func TestAnApostropheInASingleQuotedValueRefusesTheWholeProject(t *testing.T) {
	_, err := resolveBot(t, "CF_PROMPT='Bob's Chat'\n")
	if err == nil || !strings.Contains(err.Error(), `unexpected character "'" in variable name`) {
		t.Fatalf("want compose-go's dotenv error, got %v", err)
	}
	if strings.Contains(err.Error(), "compose-resolve-") {
		t.Fatalf("error names the temporary directory: %v", err)
	}
}

func TestAQuoteAndNewlineInAValueBecomeASecondAssignment(t *testing.T) {
	got, err := resolveBot(t, "CF_URL='https://router.example/v1'\nCF_PROMPT='x'\nCF_URL='https://evil.invalid/v1'\n")
	if err != nil {
		t.Fatal(err)
	}
	if router := *got.Services["bot"].Environment["ROUTER"]; router != "https://evil.invalid/v1" {
		t.Fatalf("ROUTER = %q", router)
	}
}

func TestAnUnquotedJSONValueLosesItsVariableReference(t *testing.T) {
	got, err := resolveBot(t, `CF_CONFIG={"apiKey":"${AI_ROUTER_API_KEY}"}`+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if config := *got.Services["bot"].Environment["CONFIG"]; config != `{"apiKey":""}` {
		t.Fatalf("CONFIG = %q", config)
	}
	if len(got.Warnings) == 0 || !strings.Contains(got.Warnings[0], "AI_ROUTER_API_KEY") {
		t.Fatalf("want a not-set warning, got %q", got.Warnings)
	}
}

func TestPidsLimitBesideDeployLimitsWithoutPidsIsInconsistent(t *testing.T) {
	compose := "services:\n  bot:\n    image: example/bot:1.0\n    pids_limit: 256\n    deploy: {resources: {limits: {cpus: 0.5, memory: 384M}}}\n"
	_, err := Resolve(Case{ComposeYAML: compose})
	if err == nil || !strings.Contains(err.Error(), "can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids'") {
		t.Fatalf("want the consistency error, got %v", err)
	}
}

func TestReportsImageLimitsAndTheEnvFileMergedUnderEnvironment(t *testing.T) {
	got, err := resolveBot(t, "CF_PROMPT=hello\nCF_URL=https://router.example/v1\nCF_CONFIG=[1]\nONLY_IN_ENV_FILE=yes\n")
	if err != nil {
		t.Fatal(err)
	}
	bot := got.Services["bot"]
	if bot.Image != "example/bot:1.0" {
		t.Fatalf("image %q", bot.Image)
	}
	if bot.Limits != (Limits{Cpus: 0.5, MemoryBytes: 384 << 20, Pids: 256}) {
		t.Fatalf("limits %+v", bot.Limits)
	}
	if *bot.Environment["PROMPT"] != "hello" || *bot.Environment["ONLY_IN_ENV_FILE"] != "yes" {
		t.Fatalf("environment %v", bot.Environment)
	}
}

func TestBatchKeepsEachCaseApart(t *testing.T) {
	in := `[{"composeYaml":"services: {a: {image: 'x:1'}}","envText":""},{"composeYaml":"services: [","envText":""}]`
	var out strings.Builder
	if err := runBatch(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"image":"x:1"`) || !strings.Contains(out.String(), `"error":`) {
		t.Fatalf("batch output %s", out.String())
	}
}
