package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

// Case is one compose file and the .env Coolify writes beside it.
type Case struct {
	ComposeYAML string `json:"composeYaml"`
	EnvText     string `json:"envText"`
	ProjectName string `json:"projectName,omitempty"`
}

// Limits are the resource limits Docker applies to the container; 0 means none.
type Limits struct {
	Cpus        float64 `json:"cpus"`
	MemoryBytes int64   `json:"memoryBytes"`
	Pids        int64   `json:"pids"`
}

// Service is what one compose service resolves to. A nil environment value is a variable compose leaves unset.
type Service struct {
	Image       string             `json:"image"`
	Environment map[string]*string `json:"environment"`
	Labels      map[string]string  `json:"labels"`
	Limits      Limits             `json:"limits"`
}

type Result struct {
	Services map[string]Service `json:"services"`
	// Warnings compose-go logged while loading, e.g. a variable that is not set and became "".
	Warnings []string `json:"warnings"`
}

type BatchResult struct {
	Services map[string]Service `json:"services,omitempty"`
	Warnings []string           `json:"warnings,omitempty"`
	Error    string             `json:"error,omitempty"`
}

// compose-go logs through the global logrus logger, so loads are serialised to keep each case's warnings apart.
var logMu sync.Mutex

// Resolve writes the case as docker-compose.yml and .env into a fresh directory (Coolify's service workdir layout)
// and loads it as `docker compose up` does. The host's environment is left out, so the result depends only on the
// two files.
func Resolve(c Case) (*Result, error) {
	dir, err := os.MkdirTemp("", "compose-resolve-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	composePath := filepath.Join(dir, "docker-compose.yml")
	envPath := filepath.Join(dir, ".env")
	if err := os.WriteFile(composePath, []byte(c.ComposeYAML), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(envPath, []byte(c.EnvText), 0o600); err != nil {
		return nil, err
	}
	name := c.ProjectName
	if name == "" {
		name = "resolved"
	}
	logMu.Lock()
	defer logMu.Unlock()
	var logged bytes.Buffer
	logrus.SetOutput(&logged)
	logrus.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true, DisableQuote: true})
	defer logrus.SetOutput(os.Stderr)
	// The temporary directory is noise in compose-go's messages; the files are Coolify's docker-compose.yml and .env.
	plain := func(err error) error {
		return errors.New(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))
	}
	options, err := cli.NewProjectOptions(
		[]string{composePath},
		cli.WithWorkingDirectory(dir),
		cli.WithName(name),
		cli.WithEnvFiles(envPath),
		cli.WithDotEnv,
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, plain(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return nil, plain(err)
	}
	result := summarise(project)
	for _, line := range strings.Split(strings.TrimSpace(logged.String()), "\n") {
		if line != "" {
			result.Warnings = append(result.Warnings, strings.TrimPrefix(line, "level=warning msg="))
		}
	}
	if result.Warnings == nil {
		result.Warnings = []string{}
	}
	return result, nil
}

func summarise(project *types.Project) *Result {
	result := &Result{Services: map[string]Service{}}
	names := make([]string, 0, len(project.Services))
	for name := range project.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s := project.Services[name]
		env := map[string]*string{}
		for key, value := range s.Environment {
			env[key] = value
		}
		labels := map[string]string{}
		for key, value := range s.Labels {
			labels[key] = value
		}
		result.Services[name] = Service{Image: s.Image, Environment: env, Labels: labels, Limits: limitsOf(s)}
	}
	return result
}

// limitsOf reads deploy.resources.limits and the service-level keys; the consistency check has already refused
// files where both are set and differ.
func limitsOf(s types.ServiceConfig) Limits {
	limits := Limits{Cpus: float64(s.CPUS), MemoryBytes: int64(s.MemLimit), Pids: s.PidsLimit}
	if s.Deploy != nil && s.Deploy.Resources.Limits != nil {
		l := s.Deploy.Resources.Limits
		if l.NanoCPUs != 0 {
			limits.Cpus = float64(l.NanoCPUs)
		}
		if l.MemoryBytes != 0 {
			limits.MemoryBytes = int64(l.MemoryBytes)
		}
		if l.Pids != 0 {
			limits.Pids = l.Pids
		}
	}
	return limits
}
