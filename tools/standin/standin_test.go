package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The tests build the binary once and run it under its applet names (symlinks in a temporary PATH), as a
// container's health check does, so exit codes and argv[0] dispatch are checked for real.

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "standin-test-")
	if err != nil {
		panic(err)
	}
	bin := filepath.Join(dir, "standin")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	for name := range applets {
		if name != "standin" {
			os.Symlink(bin, filepath.Join(dir, name))
		}
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func runApplet(t *testing.T, env []string, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Env = append([]string{"PATH=" + binDir, "STANDIN_IMAGE_CONFIG=/nonexistent"}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startServer runs a server applet in the background and waits for its port.
func startServer(t *testing.T, env []string, port int, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Env = append([]string{"PATH=" + binDir, "STANDIN_IMAGE_CONFIG=/nonexistent"}, env...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not listen on %d: %s", name, port, errb.String())
	return nil
}

func server(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/ok", httpText(200, "fine"))
	mux.Handle("/slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(3 * time.Second) }))
	srv := httptest.NewServer(withStandin(mux))
	t.Cleanup(srv.Close)
	return srv.URL
}

func closedPort(t *testing.T) string { return fmt.Sprintf("http://127.0.0.1:%d", freePort(t)) }

func TestCurlExitCodes(t *testing.T) {
	base := server(t)
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"success", []string{"-fsS", "-o", "/dev/null", base + "/ok"}, 0},
		{"404 with -f", []string{"-fsS", "-o", "/dev/null", base + "/missing"}, 22},
		{"404 without -f", []string{"-sS", "-o", "/dev/null", base + "/missing"}, 0},
		{"connection refused", []string{"-fsS", closedPort(t) + "/"}, 7},
		{"unresolvable host", []string{"-fsS", "http://no-such-host.invalid/"}, 6},
		{"timeout", []string{"-fsS", "-m", "1", base + "/slow"}, 28},
		{"unknown option", []string{"--frobnicate", base + "/ok"}, 2},
		{"no URL", []string{"-f"}, 2},
		{"bad URL", []string{"http://"}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if r := runApplet(t, nil, "curl", c.args...); r.code != c.code {
				t.Fatalf("curl %v: exit %d, want %d (%s)", c.args, r.code, c.code, r.stderr)
			}
		})
	}
	if r := runApplet(t, nil, "curl", "-s", "-w", "%{http_code}", "-o", "/dev/null", base+"/missing"); r.stdout != "404" {
		t.Fatalf("-w %%{http_code}: %q", r.stdout)
	}
}

func TestWgetExitCodes(t *testing.T) {
	base := server(t)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"-q", "-O", "-", base + "/ok"}, 0},
		{[]string{"-q", "--spider", base + "/ok"}, 0},
		{[]string{"-q", "-O", "-", base + "/missing"}, 1},
		{[]string{"-q", "-O", "-", closedPort(t)}, 1},
	} {
		if r := runApplet(t, nil, "wget", c.args...); r.code != c.code {
			t.Fatalf("wget %v: exit %d, want %d (%s)", c.args, r.code, c.code, r.stderr)
		}
	}
}

func TestPythonHealthChecks(t *testing.T) {
	base := server(t)
	check := func(u string) string {
		return "import urllib.request; urllib.request.urlopen('" + u + "', timeout=5).read()"
	}
	cases := []struct {
		name string
		code string
		env  []string
		exit int
		err  string
	}{
		{"200", check(base + "/ok"), nil, 0, ""},
		{"404 raises HTTPError", check(base + "/missing"), nil, 1, "HTTPError: HTTP Error 404"},
		{"refused raises URLError", check(closedPort(t) + "/"), nil, 1, "Connection refused"},
		{"concatenated env", "import os,urllib.request; urllib.request.urlopen('" + base + "/' + os.environ['P'], timeout=8).read()", []string{"P=ok"}, 0, ""},
		{"missing env key", "import os; os.environ['NOPE']", nil, 1, "KeyError: 'NOPE'"},
		{"sys.exit", "import sys; sys.exit(3)", nil, 3, ""},
		{"unknown module", "import requests", nil, 1, "ModuleNotFoundError"},
		{"unsupported syntax fails loudly", "if True: pass", nil, 1, "SyntaxError"},
		{"socket check", fmt.Sprintf("import socket; socket.create_connection(('127.0.0.1', %s), timeout=2).close()", strings.TrimPrefix(base, "http://127.0.0.1:")), nil, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runApplet(t, c.env, "python", "-c", c.code)
			if r.code != c.exit || !strings.Contains(r.stderr, c.err) {
				t.Fatalf("exit %d stderr %q; want %d containing %q", r.code, r.stderr, c.exit, c.err)
			}
		})
	}
}

func TestPythonWritesFileAndExecs(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cfg.yaml")
	// The llm-stack entrypoint: write the config from env, then exec another program with sys.argv[1:].
	code := "import os,sys; p='" + p + "'; open(p, 'w').write(os.environ['CFG']); os.execvp('sh', ['sh', '-c', 'cat \"$0\"; echo \" $1\"'] + [p] + sys.argv[1:])"
	r := runApplet(t, []string{"CFG={\"a\": 1}"}, "python", "-c", code, "--port")
	if r.code != 0 || r.stdout != "{\"a\": 1} --port\n" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestShell(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		script string
		env    []string
		code   int
		out    string
	}{
		{`echo "$A" '$A' ${B:-def}`, []string{"A=x y"}, 0, "x y $A def\n"},
		{`false && echo no || echo yes`, nil, 0, "yes\n"},
		{`true || echo no; echo after`, nil, 0, "after\n"},
		{`exit 7`, nil, 7, ""},
		{`no-such-command`, nil, 127, ""},
		{`echo hi > ` + dir + `/f; cat ` + dir + `/f`, nil, 0, "hi\n"},
		{`[ -n "$A" ] && echo set`, []string{"A=1"}, 0, "set\n"},
		{`echo a | cat`, nil, 2, ""},
		{`X=1; echo $X$?`, nil, 0, "10\n"},
	}
	for _, c := range cases {
		r := runApplet(t, c.env, "sh", "-c", c.script)
		if r.code != c.code || (c.out != "" && r.stdout != c.out) {
			t.Fatalf("sh -c %q: exit %d out %q err %q; want %d %q", c.script, r.code, r.stdout, r.stderr, c.code, c.out)
		}
	}
	port := freePort(t)
	if r := runApplet(t, nil, "bash", "-c", fmt.Sprintf(":> /dev/tcp/127.0.0.1/%d", port)); r.code != 1 {
		t.Fatalf("bash /dev/tcp to a closed port: exit %d", r.code)
	}
	if r := runApplet(t, nil, "sh", "-c", fmt.Sprintf(":> /dev/tcp/127.0.0.1/%d", port)); r.code != 2 {
		t.Fatalf("sh has no /dev/tcp: exit %d (%s)", r.code, r.stderr)
	}
}

func TestPostgresAndPgIsReady(t *testing.T) {
	port := freePort(t)
	sock := t.TempDir()
	env := []string{"POSTGRES_USER=alice", "POSTGRES_PASSWORD=s3cret", "POSTGRES_DB=litellm", fmt.Sprintf("PGPORT=%d", port), "STANDIN_PG_SOCKET_DIR=" + sock}
	if r := runApplet(t, []string{"POSTGRES_PASSWORD="}, "docker-entrypoint.sh", "postgres"); r.code != 1 || !strings.Contains(r.stderr, "superuser password is not specified") {
		t.Fatalf("postgres without a password: exit %d %q", r.code, r.stderr)
	}
	startServer(t, env, port, "docker-entrypoint.sh", "postgres")
	p := fmt.Sprint(port)
	// The llm-stack health check, through sh -c as CMD-SHELL runs it.
	if r := runApplet(t, env, "sh", "-c", `pg_isready -h 127.0.0.1 -U "${POSTGRES_USER}" -d litellm`); r.code != 0 || !strings.Contains(r.stdout, "accepting connections") {
		t.Fatalf("pg_isready: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := runApplet(t, env, "pg_isready"); r.code != 0 {
		t.Fatalf("pg_isready over the unix socket: exit %d %q", r.code, r.stdout)
	}
	if r := runApplet(t, nil, "pg_isready", "-h", "127.0.0.1", "-p", fmt.Sprint(freePort(t))); r.code != 2 {
		t.Fatalf("pg_isready, nothing listening: exit %d", r.code)
	}
	if r := runApplet(t, nil, "pg_isready", "--bogus"); r.code != 3 {
		t.Fatalf("pg_isready, bad option: exit %d", r.code)
	}
	os.Setenv("STANDIN_PG_SOCKET_DIR", sock)
	if err := pgLogin("127.0.0.1", p, "alice", "s3cret", "litellm", 5*time.Second); err != nil {
		t.Fatalf("login: %v", err)
	}
	if err := pgLogin("127.0.0.1", p, "alice", "wrong", "litellm", 5*time.Second); err == nil || !strings.Contains(err.Error(), "password authentication failed") {
		t.Fatalf("wrong password: %v", err)
	}
	if err := pgLogin("127.0.0.1", p, "alice", "s3cret", "other", 5*time.Second); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("wrong database: %v", err)
	}
	rep := getReport(t, port)
	if rep.Env["POSTGRES_PASSWORD"] != "s3cret" || len(rep.Listeners) != 1 {
		t.Fatalf("report: %+v", rep)
	}
}

func getReport(t *testing.T, port int) Report {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/_standin", port))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestLitellmRole(t *testing.T) {
	pgPort, port := freePort(t), freePort(t)
	sock := t.TempDir()
	startServer(t, []string{"POSTGRES_USER=u", "POSTGRES_PASSWORD=pw", "POSTGRES_DB=litellm", fmt.Sprintf("PGPORT=%d", pgPort), "STANDIN_PG_SOCKET_DIR=" + sock}, pgPort, "postgres")
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte(`{"model_list":[{"model_name":"gpt-4o"}]}`), 0o644)
	db := func(pw string) string {
		return fmt.Sprintf("DATABASE_URL=postgresql://u:%s@127.0.0.1:%d/litellm", pw, pgPort)
	}
	if r := runApplet(t, []string{"LITELLM_MASTER_KEY=sk-1", db("bad")}, "litellm", "--config", cfg, "--port", fmt.Sprint(port)); r.code != 1 || !strings.Contains(r.stderr, "password authentication failed") {
		t.Fatalf("wrong DATABASE_URL password: exit %d %q", r.code, r.stderr)
	}
	if r := runApplet(t, []string{"LITELLM_MASTER_KEY=nosk"}, "litellm", "--port", fmt.Sprint(port)); r.code != 1 {
		t.Fatalf("master key without sk-: exit %d", r.code)
	}
	if r := runApplet(t, nil, "litellm", "--config", "/nonexistent.yaml"); r.code != 1 {
		t.Fatalf("missing config: exit %d", r.code)
	}
	startServer(t, []string{"LITELLM_MASTER_KEY=sk-1", db("pw")}, port, "litellm", "--config", cfg, "--port", fmt.Sprint(port), "--num_workers", "1")
	if r := runApplet(t, nil, "python", "-c", fmt.Sprintf("import urllib.request; urllib.request.urlopen('http://127.0.0.1:%d/health/liveliness', timeout=5).read()", port)); r.code != 0 {
		t.Fatalf("liveliness: %d %s", r.code, r.stderr)
	}
	rep := getReport(t, port)
	if rep.Files[cfg] == "" || rep.Checks["database"] != "ok" {
		t.Fatalf("report: files %v checks %v", rep.Files, rep.Checks)
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/v1/models", port), nil)
	req.Header.Set("Authorization", "Bearer sk-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/v1/models: %v %v", err, resp)
	}
}

func TestOpenclawBindsGatewayPerEnv(t *testing.T) {
	web, gw := freePort(t), freePort(t)
	env := []string{fmt.Sprintf("PORT=%d", web), fmt.Sprintf("OPENCLAW_GATEWAY_PORT=%d", gw), "OPENCLAW_GATEWAY_BIND=loopback", "AUTH_USERNAME=u", "AUTH_PASSWORD=p"}
	startServer(t, env, web, "openclaw")
	rep := getReport(t, gw)
	want := map[string]string{"wrapper": fmt.Sprintf("0.0.0.0:%d", web), "gateway": fmt.Sprintf("127.0.0.1:%d", gw)}
	for _, l := range rep.Listeners {
		if want[l.Role] != l.Addr {
			t.Fatalf("listener %+v, want %v", l, want)
		}
	}
	if r := runApplet(t, nil, "curl", "-fsS", "-o", "/dev/null", fmt.Sprintf("http://127.0.0.1:%d/healthz", gw)); r.code != 0 {
		t.Fatalf("gateway healthz: %d", r.code)
	}
	if r := runApplet(t, nil, "curl", "-fsS", "-o", "/dev/null", fmt.Sprintf("http://127.0.0.1:%d/", web)); r.code != 22 {
		t.Fatalf("wrapper without basic auth: %d", r.code)
	}
	if r := runApplet(t, nil, "curl", "-fsS", "-u", "u:p", "-o", "/dev/null", fmt.Sprintf("http://127.0.0.1:%d/", web)); r.code != 0 {
		t.Fatalf("wrapper with basic auth: %d", r.code)
	}
	if r := runApplet(t, []string{"OPENCLAW_GATEWAY_BIND=lan"}, "openclaw"); r.code != 1 {
		t.Fatalf("lan bind without origins: %d", r.code)
	}
}

func TestTelegramOfflineAnswers(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "image.json")
	os.WriteFile(cfg, []byte(`{"image":"bot:1","profile":"telegram-bot","offlineHosts":{"api.telegram.org":"telegram"}}`), 0o644)
	check := "import os,urllib.request; urllib.request.urlopen('https://api.telegram.org/bot' + os.environ['TELEGRAM_BOT_TOKEN'] + '/getMe', timeout=8).read()"
	good := "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
	for token, code := range map[string]int{good: 0, "": 1, "not-a-token": 1} {
		r := runApplet(t, []string{"STANDIN_IMAGE_CONFIG=" + cfg, "TELEGRAM_BOT_TOKEN=" + token}, "python", "-c", check)
		if r.code != code {
			t.Fatalf("token %q: exit %d want %d (%s)", token, r.code, code, r.stderr)
		}
	}
	main := filepath.Join(dir, "main.py")
	os.WriteFile(main, []byte("# standin-role: telegram-bot\n"), 0o644)
	if r := runApplet(t, []string{"TELEGRAM_BOT_TOKEN="}, "python", main); r.code != 1 || !strings.Contains(r.stderr, "missing") {
		t.Fatalf("bot without token: %d %q", r.code, r.stderr)
	}
	if r := runApplet(t, nil, "python", filepath.Join(dir, "nope.py")); r.code != 2 {
		t.Fatalf("python missing file: %d", r.code)
	}
}
