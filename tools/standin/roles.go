package main

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// The server roles: what each template image does at start that our wiring can get wrong (a port from env or
// argv, a required variable, credentials that must match another container's), and the paths its health checks
// and Traefik reach. Each role refuses to start where the real application does for the same input.

func runRole(role string, args []string) int {
	switch role {
	case "postgres":
		return postgresMain(args)
	case "litellm":
		return litellmMain(args)
	case "open-webui":
		return openWebUIMain(args)
	case "openclaw":
		return openclawMain(args)
	case "telegram-bot":
		return telegramBotMain(args)
	}
	fmt.Fprintf(os.Stderr, "standin: unknown role %q\n", role)
	return 127
}

func fail(role, format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "%s (stand-in): %s\n", role, fmt.Sprintf(format, a...))
	return 1
}

func portArg(role, value string) (int, error) {
	p, err := strconv.Atoi(value)
	if err != nil || p <= 0 || p > 65535 {
		return 0, fmt.Errorf("invalid port %q", value)
	}
	return p, nil
}

// litellmMain: `litellm [--config FILE] [--port N] [--host H] [--num_workers N] ...` (LiteLLM proxy CLI).
func litellmMain(args []string) int {
	const role = "litellm"
	port, host, config := "4000", "0.0.0.0", ""
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(args[i], "=")
		get := func() string {
			if hasVal {
				return val
			}
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch name {
		case "--port":
			port = get()
		case "--host":
			host = get()
		case "--config", "-c":
			config = get()
		case "--num_workers", "--max_budget", "--telemetry", "--log_config", "--keepalive_timeout":
			get()
		}
	}
	p, err := portArg(role, port)
	if err != nil {
		return fail(role, "%v", err)
	}
	var models []string
	if config != "" {
		b, err := os.ReadFile(config)
		if err != nil {
			return fail(role, "Config file not found: %s", config)
		}
		noteFile(config, string(b))
		var cfg struct {
			ModelList []struct {
				ModelName string `json:"model_name"`
			} `json:"model_list"`
		}
		if json.Unmarshal(b, &cfg) == nil {
			for _, m := range cfg.ModelList {
				models = append(models, m.ModelName)
			}
		}
	}
	master := os.Getenv("LITELLM_MASTER_KEY")
	if master != "" && !strings.HasPrefix(master, "sk-") {
		return fail(role, "master key is set, but does not start with 'sk-'")
	}
	if dbURL := os.Getenv("DATABASE_URL"); dbURL != "" {
		if err := checkDatabase(dbURL, 60*time.Second); err != nil {
			noteCheck("database", err.Error())
			return fail(role, "cannot connect to DATABASE_URL: %v", err)
		}
		noteCheck("database", "ok")
	}
	authorized := func(r *http.Request) bool {
		return master == "" || r.Header.Get("Authorization") == "Bearer "+master
	}
	mux := http.NewServeMux()
	alive := httpJSON(200, `"I'm alive!"`)
	mux.Handle("/health/liveliness", alive)
	mux.Handle("/health/liveness", alive)
	mux.Handle("/health/readiness", httpJSON(200, `{"status":"healthy","db":"connected"}`))
	mux.HandleFunc("/v1/models", func(w http.ResponseWriter, r *http.Request) {
		if !authorized(r) {
			httpJSON(401, `{"error":{"message":"Authentication Error, Invalid proxy server token passed.","type":"auth_error","code":"401"}}`)(w, r)
			return
		}
		data := []map[string]any{}
		for _, m := range models {
			data = append(data, map[string]any{"id": m, "object": "model", "owned_by": "openai"})
		}
		b, _ := json.Marshal(map[string]any{"data": data, "object": "list"})
		httpJSON(200, string(b))(w, r)
	})
	mux.Handle("/", httpText(200, "LiteLLM proxy (stand-in)\n"))
	return serveRoles(role, []listenSpec{{Role: role, Host: host, Port: p, Handler: mux}})
}

// checkDatabase logs in with DATABASE_URL's credentials, retrying while the server is unreachable; a refusal
// (wrong password, unknown database) fails at once, as Prisma's start does.
func checkDatabase(raw string, wait time.Duration) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgresql" && u.Scheme != "postgres") {
		return fmt.Errorf("not a postgresql:// URL")
	}
	pass, _ := u.User.Password()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	db := strings.TrimPrefix(u.Path, "/")
	deadline := time.Now().Add(wait)
	for {
		err := pgLogin(u.Hostname(), port, u.User.Username(), pass, db, 5*time.Second)
		if err == nil {
			return nil
		}
		if _, refused := err.(*pgServerError); refused {
			return err
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(time.Second)
	}
}

// openWebUIMain: Open WebUI listens on $PORT (default 8080) at $HOST.
func openWebUIMain(args []string) int {
	const role = "open-webui"
	p, err := portArg(role, envOr("PORT", "8080"))
	if err != nil {
		return fail(role, "%v", err)
	}
	name := envOr("WEBUI_NAME", "Open WebUI")
	mux := http.NewServeMux()
	mux.Handle("/health", httpJSON(200, `{"status":true}`))
	mux.Handle("/health/db", httpJSON(200, `{"status":true}`))
	mux.Handle("/api/config", httpJSON(200, mustJSONString(map[string]any{"name": name, "status": true})))
	mux.Handle("/", httpText(200, "<!doctype html><title>"+html.EscapeString(name)+"</title><p>Open WebUI (stand-in)</p>\n"))
	return serveRoles(role, []listenSpec{{Role: role, Host: envOr("HOST", "0.0.0.0"), Port: p, Handler: mux}})
}

func mustJSONString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// openclawMain: coollabsio/openclaw runs an nginx wrapper on $PORT (basic auth with AUTH_USERNAME/AUTH_PASSWORD,
// /healthz open) in front of the OpenClaw gateway on $OPENCLAW_GATEWAY_PORT, bound per OPENCLAW_GATEWAY_BIND
// (loopback: 127.0.0.1 only). A non-loopback gateway refuses to start without allowed origins.
func openclawMain(args []string) int {
	const role = "openclaw"
	web, err := portArg(role, envOr("PORT", "8080"))
	if err != nil {
		return fail(role, "PORT: %v", err)
	}
	gw, err := portArg(role, envOr("OPENCLAW_GATEWAY_PORT", "18789"))
	if err != nil {
		return fail(role, "OPENCLAW_GATEWAY_PORT: %v", err)
	}
	bind := envOr("OPENCLAW_GATEWAY_BIND", "loopback")
	gwHost := map[string]string{"loopback": "127.0.0.1", "lan": "0.0.0.0"}[bind]
	if gwHost == "" {
		return fail(role, "invalid gateway bind %q (expected loopback or lan)", bind)
	}
	if bind != "loopback" && os.Getenv("OPENCLAW_ALLOWED_ORIGINS") == "" {
		return fail(role, "refusing to bind the gateway to %s without gateway.controlUi.allowedOrigins", bind)
	}
	user, pass := os.Getenv("AUTH_USERNAME"), os.Getenv("AUTH_PASSWORD")
	wrapper := http.NewServeMux()
	wrapper.Handle("/healthz", httpText(200, "ok\n"))
	wrapper.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if pass != "" {
			u, p, ok := r.BasicAuth()
			if !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="OpenClaw"`)
				httpText(401, "401 Authorization Required\n")(w, r)
				return
			}
		}
		httpText(200, "OpenClaw Control UI (stand-in)\n")(w, r)
	})
	gateway := http.NewServeMux()
	gateway.Handle("/healthz", httpJSON(200, `{"ok":true,"status":"live"}`))
	gateway.Handle("/health", httpJSON(200, `{"ok":true,"status":"live"}`))
	gateway.Handle("/readyz", httpJSON(200, `{"ok":true,"status":"ready"}`))
	gateway.Handle("/ready", httpJSON(200, `{"ok":true,"status":"ready"}`))
	return serveRoles(role, []listenSpec{
		{Role: "wrapper", Host: "0.0.0.0", Port: web, Handler: wrapper},
		{Role: "gateway", Host: gwHost, Port: gw, Handler: gateway},
	})
}

// telegramBotMain: n3d1117/chatgpt-telegram-bot exits when a required value is missing; it serves no port
// (long polling). Its report is `docker exec <c> standin report`.
func telegramBotMain(args []string) int {
	const role = "telegram-bot"
	for _, k := range []string{"TELEGRAM_BOT_TOKEN", "OPENAI_API_KEY"} {
		if os.Getenv(k) == "" {
			fmt.Fprintf(os.Stderr, "ERROR - The following environment values are missing in your .env: %s\n", k)
			return 1
		}
	}
	fmt.Fprintf(os.Stderr, "%s (stand-in): polling (no port; `standin report` prints what the container got)\n", role)
	return waitForSignal(role)
}
