package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestReadCgroup(t *testing.T) {
	v1 := t.TempDir()
	for path, v := range map[string]string{"memory/memory.limit_in_bytes": "67108864\n", "cpu/cpu.cfs_quota_us": "50000\n", "cpu/cpu.cfs_period_us": "100000\n", "pids/pids.max": "50\n"} {
		os.MkdirAll(filepath.Dir(filepath.Join(v1, path)), 0o755)
		os.WriteFile(filepath.Join(v1, path), []byte(v), 0o644)
	}
	c := readCgroup(v1)
	if c.Version != 1 || *c.MemoryLimitBytes != 67108864 || *c.CPUs != 0.5 || *c.PidsMax != 50 {
		t.Fatalf("v1: %+v", c)
	}
	os.WriteFile(filepath.Join(v1, "memory/memory.limit_in_bytes"), []byte("9223372036854771712\n"), 0o644)
	os.WriteFile(filepath.Join(v1, "pids/pids.max"), []byte("max\n"), 0o644)
	if c := readCgroup(v1); c.MemoryLimitBytes != nil || c.PidsMax != nil {
		t.Fatalf("v1 unlimited: %+v", c)
	}
	v2 := t.TempDir()
	os.WriteFile(filepath.Join(v2, "memory.max"), []byte("134217728\n"), 0o644)
	os.WriteFile(filepath.Join(v2, "cpu.max"), []byte("150000 100000\n"), 0o644)
	os.WriteFile(filepath.Join(v2, "pids.max"), []byte("512\n"), 0o644)
	if c := readCgroup(v2); c.Version != 2 || *c.MemoryLimitBytes != 134217728 || *c.CPUs != 1.5 || *c.PidsMax != 512 {
		t.Fatalf("v2: %+v", c)
	}
}

func TestReportIsByteExact(t *testing.T) {
	port := freePort(t)
	odd := "a\"b\\c $x `y` \t\x01 ü \xff"
	startServer(t, []string{fmt.Sprintf("PORT=%d", port), "ODD=" + odd}, port, "open-webui")
	rep := getReport(t, port)
	if got, _ := base64.StdEncoding.DecodeString(rep.EnvBase64["ODD"]); string(got) != odd || rep.Hostname == "" || rep.Request == nil || rep.Request.Port != port {
		t.Fatalf("report: %+v", rep)
	}
	r := runApplet(t, []string{"ODD=" + odd}, "curl", "-fsS", fmt.Sprintf("http://127.0.0.1:%d/health", port))
	if r.code != 0 || r.stdout != `{"status":true}` {
		t.Fatalf("/health: %d %q", r.code, r.stdout)
	}
}
