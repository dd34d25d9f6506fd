// compose-resolve loads a compose file with its project .env the way `docker compose up` does (compose-go v2:
// interpolation, normalisation, consistency checks, env_file resolution) and prints what each service would get.
//
//	compose-resolve [--project-name NAME] <compose.yml> <env-file>
//	compose-resolve --batch < cases.json     (a JSON array of {composeYaml, envText, projectName})
//
// Single mode prints one JSON object {"services": {...}} and exits 0, or prints compose-go's error on stderr and
// exits 1. Batch mode prints a JSON array with one {"services": ...} or {"error": "..."} per case and exits 0.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	batch := flag.Bool("batch", false, "read a JSON array of cases on stdin, print a JSON array of results")
	name := flag.String("project-name", "resolved", "compose project name (Coolify uses the service uuid)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: compose-resolve [--project-name NAME] <compose.yml> <env-file> | --batch < cases.json")
	}
	flag.Parse()
	if *batch {
		if err := runBatch(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	compose, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	env, err := os.ReadFile(flag.Arg(1))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	result, err := Resolve(Case{ComposeYAML: string(compose), EnvText: string(env), ProjectName: *name})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(result); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func runBatch(in io.Reader, out io.Writer) error {
	var cases []Case
	if err := json.NewDecoder(in).Decode(&cases); err != nil {
		return fmt.Errorf("batch input: %w", err)
	}
	results := make([]BatchResult, len(cases))
	for i, c := range cases {
		resolved, err := Resolve(c)
		if err != nil {
			results[i] = BatchResult{Error: err.Error()}
		} else {
			results[i] = BatchResult{Services: resolved.Services, Warnings: resolved.Warnings}
		}
	}
	return json.NewEncoder(out).Encode(results)
}
