// Command standin stands in for the images of our compose templates on a real Docker engine (no image registry is
// reachable here). One static binary, installed in each stand-in image under the names of the tools the template's
// containers run (curl, wget, python, pg_isready, sh, bash, postgres, litellm, ...), dispatching on argv[0]. As a
// server it listens on the ports the real image serves, answers its health paths and, on every port,
// GET /_standin: what the container really got (environment, hostname, cgroup limits, network addresses).
// It proves our wiring, never the behaviour of the real applications (see README, "Stand-in images").
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// applets maps a program name to its implementation; each returns the process exit code.
var applets map[string]func(args []string) int

func init() {
	applets = map[string]func(args []string) int{
		"curl":                 curlMain,
		"wget":                 wgetMain,
		"pg_isready":           pgIsReadyMain,
		"python":               pythonMain,
		"python3":              pythonMain,
		"sh":                   shMain,
		"bash":                 bashMain,
		"postgres":             postgresMain,
		"docker-entrypoint.sh": postgresEntrypointMain,
		"litellm":              litellmMain,
		"open-webui":           openWebUIMain,
		"openclaw":             openclawMain,
		"standin":              standinMain,
	}
}

func main() {
	os.Exit(run(os.Args))
}

func run(argv []string) int {
	name := filepath.Base(argv[0])
	if f, ok := applets[name]; ok {
		return f(argv[1:])
	}
	fmt.Fprintf(os.Stderr, "standin: unknown applet %q\n", name)
	return 127
}

// standinMain: `standin <applet> args...` runs an applet by name; `standin report` prints the /_standin JSON of this
// container (for containers that serve no port).
func standinMain(args []string) int {
	if len(args) == 0 {
		names := make([]string, 0, len(applets))
		for n := range applets {
			names = append(names, n)
		}
		fmt.Fprintf(os.Stderr, "usage: standin report | standin <applet> [args...]\napplets: %s\n", strings.Join(names, " "))
		return 2
	}
	if args[0] == "report" {
		rep := collectReport(nil)
		if os.Getpid() != 1 {
			mainProcess(&rep)
		}
		os.Stdout.Write(append(mustJSON(rep), '\n'))
		return 0
	}
	if args[0] == "standin" {
		return 2
	}
	return run(args)
}
